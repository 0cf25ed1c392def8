import type { Kysely } from 'kysely';
import type { As2Partner, Database } from '../schema.ts';

export async function createAs2Partner(db: Kysely<Database>, input: { tenantId: string; name: string; now: number }): Promise<As2Partner> {
  return db.insertInto('as2_partners').values({ tenant_id: input.tenantId, name: input.name, created_at: input.now }).returningAll().executeTakeFirstOrThrow();
}

/** A partner of another tenant is indistinguishable from one that does not exist. */
export const findAs2Partner = (db: Kysely<Database>, tenantId: string, id: number): Promise<As2Partner | undefined> =>
  db.selectFrom('as2_partners').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();

export const listAs2Partners = (db: Kysely<Database>, tenantId: string): Promise<As2Partner[]> =>
  db.selectFrom('as2_partners').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
