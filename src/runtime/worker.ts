// By path: the package's exports map does not expose its package.json.
import scalarPackage from '../../node_modules/@scalar/api-reference/package.json' with { type: 'json' };
import { createApp } from '../app.ts';
import { ConfigError, type Env, parseEnv, toConfig } from '../config.ts';
import { type D1Database, openD1 } from '../db/dialects/d1.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { migrateStore, type Store } from '../db/store.ts';
import { createFetchTransport } from '../delivery/transports/fetch.ts';
import { createLogger } from '../lib/logger.ts';
import { createProcessState, createServices, type ProcessState } from './create-services.ts';

/** The bindings and vars wrangler.toml declares; secrets arrive as vars too. */
export interface WorkerBindings {
  DB: D1Database;
  [name: string]: unknown;
}

/** The parts of Workers' ExecutionContext and ScheduledController used here. */
interface ExecutionContext {
  waitUntil(task: Promise<unknown>): void;
}
interface ScheduledController {
  readonly cron: string;
}

/** The script itself is a static asset (wrangler.toml `[assets]`), served before the Worker is asked. */
const apiReference = { version: scalarPackage.version };

let migrated = false;
/** Pure in-memory state kept per isolate (no I/O, no promises, so safe across requests). */
let isolate: ProcessState | undefined;

/**
 * Cloudflare Workers entry point: bindings → D1 store → migrations (once per isolate) → app.
 * Services are built per invocation so every promise and fetch belongs to the request (or cron
 * run) that started it; the fast path after ingestion runs under that request's `waitUntil`.
 * Only the process state (rate limiter, metrics counters, the store's health flag, caches) lives per isolate.
 */
async function setUp(bindings: WorkerBindings, ctx: ExecutionContext) {
  const env = readEnv(bindings);
  const log = createLogger(env.LOG_LEVEL);
  const store = openD1(bindings.DB);
  if (!migrated) {
    await migrateOnce(store, log);
    migrated = true;
  }
  // `??=` is one synchronous step: requests arriving together in a fresh isolate share one state.
  isolate ??= createProcessState(toConfig(env));
  return createServices(env, store, {
    transport: createFetchTransport(),
    log,
    state: isolate,
    background: (task) => ctx.waitUntil(task),
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? null,
    apiReference,
  });
}

function readEnv(bindings: WorkerBindings): Env {
  const strings = Object.fromEntries(Object.entries(bindings).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const env = parseEnv(strings);
  if (!env.HOOKGATE_ENCRYPTION_KEY) throw new ConfigError('invalid configuration: HOOKGATE_ENCRYPTION_KEY is required on Workers (wrangler secret put)');
  if (!env.JWT_SECRET && !env.JWT_JWKS_URL) throw new ConfigError('invalid configuration: JWT_SECRET or JWT_JWKS_URL is required on Workers');
  return env;
}

/** Two isolates may start at once: a losing migration batch rolls back, and is fine if the winner applied everything. */
async function migrateOnce(store: Store, log: ReturnType<typeof createLogger>): Promise<void> {
  try {
    await migrateStore(store, log);
  } catch (error) {
    if ((await pendingMigrations(store.db)).length > 0) throw error;
  }
}

function configurationProblem(error: unknown): Response {
  const message = error instanceof ConfigError ? error.message : 'hookgate failed to start';
  console.error(JSON.stringify({ level: 'error', msg: message, error: error instanceof ConfigError ? undefined : (error as Error).message }));
  return Response.json({ detail: message }, { status: 503 });
}

export default {
  async fetch(request: Request, bindings: WorkerBindings, ctx: ExecutionContext): Promise<Response> {
    let app: ReturnType<typeof createApp>;
    try {
      app = createApp((await setUp(bindings, ctx)).services);
    } catch (error) {
      return configurationProblem(error);
    }
    return app.fetch(request);
  },

  async scheduled(controller: ScheduledController, bindings: WorkerBindings, ctx: ExecutionContext): Promise<void> {
    const { engine, services } = await setUp(bindings, ctx);
    const report = await engine.sweep();
    services.log({ msg: 'sweep', cron: controller.cron, ...report });
  },
};
