import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signDevToken } from '../../src/auth/sign-token.ts';
import { waitForLine } from './child-lines.ts';
import { COMPILE_CACHE } from './compile-cache.ts';

export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** The project's root, and the commands npm installed there (bun, wrangler). */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'node_modules/.bin');

/**
 * What every child process of the tests inherits: PATH, and one compile cache for the Node
 * processes (V8's code for the TypeScript sources, kept between runs): a CLI or server start costs
 * about a third less CPU with it. It changes nothing the processes do.
 */
export const CHILD_ENV: Record<string, string> = { PATH: process.env.PATH ?? '', NODE_COMPILE_CACHE: COMPILE_CACHE };

export interface RunningServer extends ServerProcess {
  dataDir: string;
  dbPath: string;
  env: Record<string, string>;
}

/** A hookgate server process that has logged `{"msg":"listening","port":N}`. */
export interface ServerProcess {
  url: string;
  /** Every line it printed on stdout and stderr (the newest `keepLogs`, if given). */
  logs: string[];
  process: ChildProcess;
  /** SIGTERM, then waits for it to exit (SIGKILL if it has not within 15 s). */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Spawns a hookgate entry point (Node, Bun or a compiled binary) in `cwd` (the project's root by
 * default) with exactly `env` plus CHILD_ENV, and resolves once it listens. The one way tests start a
 * server process: startServer, the contract targets and the CLI's tests all use it.
 */
export async function spawnServer(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; timeoutMs?: number; keepLogs?: number },
): Promise<ServerProcess> {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...CHILD_ENV, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const port = Number(await waitForLine(child, logs, /"msg":"listening","port":(\d+)/, options.timeoutMs ?? 15_000, options.keepLogs));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    process: child,
    async stop() {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts the real Node (or Bun) entry point on a free port over a fresh SQLite file. */
export async function startServer(
  extraEnv: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'hookgate-')),
  runtime: 'node' | 'bun' = 'node',
  /** How long it may take to listen (15 s by default): more for the tests that restart servers under load. */
  timeoutMs?: number,
): Promise<RunningServer> {
  const dbPath = join(dataDir, 'hookgate.db');
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: dbPath,
    JWT_SECRET,
    HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY,
    HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const [command, script] = runtime === 'bun' ? [join(BIN, 'bun'), 'src/runtime/bun.ts'] : [process.execPath, 'src/runtime/node.ts'];
  return { ...(await spawnServer(command, [script], { env, timeoutMs })), dataDir, dbPath, env };
}

export function token(claims: { sub?: string; scope?: string; tenantId?: string; partnerOrgId?: string; ttlSeconds?: number } = {}) {
  return signDevToken({
    secret: JWT_SECRET,
    sub: claims.sub ?? 'svc-test',
    scope: claims.scope,
    tenantId: claims.tenantId,
    partnerOrgId: claims.partnerOrgId,
    ttlSeconds: claims.ttlSeconds ?? 600,
  });
}

export const adminToken = (claims: { tenantId?: string; partnerOrgId?: string } = {}) => token({ scope: 'webhooks:admin', ...claims });

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** A small JSON client: `call(server, 'POST', '/path', { body, headers })`. */
export async function call<T = any>(
  server: { url: string },
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as T, headers: response.headers, text };
}

export const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

/** Creates a tenant through the operator API; returns its id and first API key. */
export async function createTenant(server: RunningServer, name = 'Tenant', partnerOrgId?: string) {
  const response = await call(server, 'POST', '/api/v1/tenants', {
    headers: bearer(await adminToken()),
    body: { name, partner_org_id: partnerOrgId },
  });
  if (response.status !== 201) throw new Error(`tenant create failed: ${response.status} ${response.text}`);
  return { id: response.body.tenant_id as string, apiKey: response.body.api_key as string };
}

export async function createAs2Partner(server: RunningServer, tenantId: string, name = 'Partner') {
  const response = await call(server, 'POST', `/api/v1/tenants/${tenantId}/as2-partners`, {
    headers: bearer(await adminToken()),
    body: { name },
  });
  if (response.status !== 201) throw new Error(`as2 partner create failed: ${response.status} ${response.text}`);
  return response.body.partner_id as number;
}
