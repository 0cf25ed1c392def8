import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createTokenVerifier } from '../auth/jwt.ts';
import { type Env, parseEnv, toConfig } from '../config.ts';
import { openBetterSqlite, type SqliteStore } from '../db/dialects/better-sqlite3.ts';
import { migrate } from '../db/migrate.ts';
import { createDeliveryEngine, type RunningEngine } from '../delivery/sweeper.ts';
import { createUndiciTransport } from '../delivery/transports/undici.ts';
import { createSecretCipher } from '../lib/cipher.ts';
import { bytesToBase64 } from '../lib/encoding.ts';
import { createLogger } from '../lib/logger.ts';
import { randomBytes, randomToken } from '../lib/random.ts';
import { type Services, systemClock } from '../services.ts';

/** `DATABASE_URL` may be a path, `file:path` or `sqlite://path`. */
export function databasePath(url: string): string {
  return url.replace(/^sqlite:\/\//, '').replace(/^file:/, '');
}

interface DevSecrets {
  jwt_secret: string;
  encryption_key: string;
}

/**
 * Zero-configuration development: secrets not given in the environment are generated once into
 * `<data folder>/dev-secrets.json` (mode 0600) and reused on every start.
 */
function developmentSecrets(env: Env, dataDir: string, note: (message: string) => void): Env {
  if (env.HOOKGATE_ENV === 'production') return env;
  const needsJwt = !env.JWT_SECRET && !env.JWT_JWKS_URL;
  if (!needsJwt && env.HOOKGATE_ENCRYPTION_KEY) return env;
  const file = resolve(dataDir, 'dev-secrets.json');
  let secrets: DevSecrets;
  if (existsSync(file)) {
    secrets = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  } else {
    secrets = { jwt_secret: randomToken(32), encryption_key: bytesToBase64(randomBytes(32)) };
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    note(`generated development secrets in ${file}; set JWT_SECRET and HOOKGATE_ENCRYPTION_KEY for real use`);
  }
  return {
    ...env,
    JWT_SECRET: needsJwt ? secrets.jwt_secret : env.JWT_SECRET,
    HOOKGATE_ENCRYPTION_KEY: env.HOOKGATE_ENCRYPTION_KEY ?? secrets.encryption_key,
  };
}

export interface NodeRuntime {
  env: Env;
  services: Services;
  store: SqliteStore;
  engine: RunningEngine;
}

/** Reads the environment, opens and migrates the SQLite store, and builds the services. */
export async function setUpNode(source: Record<string, string | undefined> = process.env): Promise<NodeRuntime> {
  const parsed = parseEnv(source);
  const log = createLogger(parsed.LOG_LEVEL, (text) => process.stderr.write(`${text}\n`));
  const path = databasePath(parsed.DATABASE_URL);
  const dataDir = path === ':memory:' ? resolve('data') : dirname(resolve(path));
  mkdirSync(dataDir, { recursive: true });
  const env = developmentSecrets(parsed, dataDir, (msg) => log({ level: 'warn', msg }));
  const store = openBetterSqlite(path);
  const applied = await migrate(store.db, store.runBatch);
  if (applied.length) log({ msg: 'migrations applied', migrations: applied });
  const config = toConfig(env);
  const cipher = await createSecretCipher(env.HOOKGATE_ENCRYPTION_KEY!);
  const engine = createDeliveryEngine({
    db: store.db,
    atomic: store.atomic,
    now: () => systemClock.now(),
    config,
    cipher,
    log,
    transport: createUndiciTransport({ allowPrivateTargets: config.allowPrivateTargets, connectionsPerOrigin: config.endpointConcurrency }),
  });
  const services: Services = {
    db: store.db,
    atomic: store.atomic,
    clock: systemClock,
    config,
    cipher,
    verifyToken: createTokenVerifier(config.jwt, () => systemClock.now()),
    log,
    engine,
  };
  return { env, services, store, engine };
}
