import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '../../src/auth/sign-token.ts';
import { freePort, SERVER_CORE, type Spawned, spawnPinned, waitHealthy } from './processes.ts';

export type Runtime = 'node' | 'bun';
export type Role = 'all' | 'api' | 'worker';

const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters-long';
const ENCRYPTION_KEY = Buffer.alloc(32, 9).toString('base64');

export interface Hookgate {
  url: string;
  dbPath: string;
  process: Spawned;
}

const dataDirs: string[] = [];

/** A new empty directory for a store; `removeDataDirs` deletes every one made (the stores reach hundreds of MB). */
export function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-'));
  dataDirs.push(dir);
  return dir;
}

export function removeDataDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The V8 heap settings docs/performance.md recommends for a Node server on a small machine. V8
 * otherwise sizes its young generation for this machine's 24 GB and lets RSS grow past 250 MB; a
 * 48 MB initial old space spares the first full collections a server under load would otherwise
 * run every few seconds while the heap grows to its working size.
 */
export const SMALL_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--initial-old-space-size=48', '--max-old-space-size=160'];

/** The command line of a runtime's entry point (Bun through the `bun` dev dependency). */
export function runtimeCommand(runtime: Runtime, script: string, nodeFlags: string[] = []): [string, string[]] {
  return runtime === 'bun' ? ['node_modules/.bin/bun', [script]] : [process.execPath, [...nodeFlags, script]];
}

let compiled = false;

/**
 * Builds dist/node from the sources (`npm run build`: tsc, about 15 s), once per bench process: the
 * JavaScript an installed package runs (`hookgate serve`), which Node loads without stripping types.
 */
export function buildCompiled(): void {
  if (compiled) return;
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  compiled = true;
}

/**
 * Starts hookgate on the server core over `dataDir/hookgate.db`, on a free port, at LOG_LEVEL=warn
 * (no request log line), with the per-caller rate limit off and the container image's
 * MALLOC_ARENA_MAX; ready once /health answers.
 */
export async function startHookgate(options: {
  runtime: Runtime;
  role: Role;
  dataDir: string;
  env?: Record<string, string>;
  /** V8 flags for the Node server (ignored on Bun). */
  nodeFlags?: string[];
  /** Node: run the compiled build (dist/node, built by `buildCompiled`) instead of the TypeScript sources. */
  compiled?: boolean;
}): Promise<Hookgate> {
  const port = await freePort();
  const dbPath = join(options.dataDir, 'hookgate.db');
  if (options.compiled && options.runtime === 'node') buildCompiled();
  const script = options.runtime === 'bun' ? 'src/runtime/bun.ts' : options.compiled ? 'dist/node/runtime/node.js' : 'src/runtime/node.ts';
  const [command, args] = runtimeCommand(options.runtime, script, options.nodeFlags);
  const spawned = spawnPinned(SERVER_CORE, command, args, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: dbPath,
    JWT_SECRET,
    HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY,
    HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKGATE_RATE_LIMIT_PER_MINUTE: '0',
    HOOKGATE_ROLE: options.role,
    LOG_LEVEL: 'warn',
    // As the container image sets it (glibc's malloc; Bun allocates with its own mimalloc).
    MALLOC_ARENA_MAX: '2',
    ...options.env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/health`, spawned);
  return { url, dbPath, process: spawned };
}

export interface BenchTenant {
  id: string;
  apiKey: string;
  endpoints: number;
}

async function call(url: string, token: string, body: unknown): Promise<{ tenant_id: string; api_key: string }> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json();
  if (response.status !== 201) throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Creates a tenant with `endpoints` admin webhooks (page 001) for invoice.created, spread over the receiver's ports. */
export async function createBenchTenant(server: Hookgate, receiverPorts: readonly number[], endpoints: number): Promise<BenchTenant> {
  const token = await signDevToken({ secret: JWT_SECRET, sub: 'bench', scope: 'webhooks:admin', ttlSeconds: 3600 });
  const tenant = await call(`${server.url}/api/v1/tenants`, token, { name: `bench fan-out ${endpoints}` });
  for (let index = 0; index < endpoints; index++) {
    const port = receiverPorts[index % receiverPorts.length];
    await call(`${server.url}/api/v1/admin/webhooks`, token, { tenant_id: tenant.tenant_id, url: `http://127.0.0.1:${port}/hook/${index}`, events: ['invoice.created'] });
  }
  return { id: tenant.tenant_id, apiKey: tenant.api_key, endpoints };
}
