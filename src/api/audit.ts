import type { Context } from 'hono';
import { type AuditChange, recordChange } from '../domain/audit.ts';
import type { AppEnv } from './context.ts';

/** Records a change this request made, in the audit log, as the authenticated actor, from the client's address. */
export function noteChange(c: Context<AppEnv>, change: AuditChange): Promise<void> {
  const { services } = c.var;
  return recordChange(services, { actor: c.var.auditActor, ip: services.clientAddress?.(c) ?? null, requestId: c.var.requestId }, change);
}
