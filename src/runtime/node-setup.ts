import { type Env, parseEnv } from '../config.ts';
import { openBetterSqlite, type SqliteStore } from '../db/dialects/better-sqlite3.ts';
import type { RunningEngine } from '../delivery/sweeper.ts';
import { undiciTransportFor } from '../delivery/transports/undici.ts';
import { createLogger } from '../lib/logger.ts';
import { createNodeMac } from '../lib/node-mac.ts';
import type { Services } from '../services.ts';
import { buildServices, migrateStore } from './build-services.ts';
import { assertStoreExists, databasePath, developmentSecrets, ensureDataDir, nodeEnvironment } from './node-env.ts';

export { databasePath } from './node-env.ts';

export interface NodeRuntime {
  env: Env;
  services: Services;
  store: SqliteStore;
  engine: RunningEngine;
}

export interface SetUpOptions {
  /** Create the database (and its folder) when it does not exist: the server and `migrate` do, other CLI commands refuse. */
  createStore?: boolean;
}

/** Reads the environment, opens and migrates the SQLite store, and builds the services. */
export async function setUpNode(source: Record<string, string | undefined> = nodeEnvironment(), options: SetUpOptions = { createStore: true }): Promise<NodeRuntime> {
  const parsed = parseEnv(source);
  const log = createLogger(parsed.LOG_LEVEL, (text) => process.stderr.write(`${text}\n`));
  const path = databasePath(parsed.DATABASE_URL);
  if (!options.createStore) assertStoreExists(path);
  const env = developmentSecrets(parsed, ensureDataDir(path), (msg) => log({ level: 'warn', msg }));
  const store = openBetterSqlite(path);
  await migrateStore(store, log);
  const transport = undiciTransportFor(env);
  const { services, engine } = await buildServices({ env, store, transport, mac: createNodeMac(), log });
  return { env, services, store, engine };
}
