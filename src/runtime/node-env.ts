import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseEnv as parseDotEnv } from 'node:util';
import { ConfigError, type Env } from '../config.ts';
import { bytesToBase64 } from '../lib/encoding.ts';
import { randomBytes, randomToken } from '../lib/random.ts';

/**
 * Environment helpers for the runtimes with a filesystem (Node, Bun and the compiled binary, which
 * all implement `node:fs`). Workers take their secrets from `wrangler secret put` instead.
 */

/**
 * The variables the server and the CLI read: the process's environment over a `.env` file in the
 * working folder, if there is one (a variable set in the environment wins, as with dotenv; Bun
 * reads the same file by itself).
 */
export function nodeEnvironment(file = resolve('.env')): Record<string, string | undefined> {
  if (!existsSync(file)) return process.env;
  return { ...parseDotEnv(readFileSync(file, 'utf8')), ...process.env };
}

/**
 * Refuses a database file that does not exist, in one line naming what to do: every CLI command
 * but `serve` and `migrate` works on an existing store, and would otherwise create an empty one
 * (with new development secrets) wherever it was run from.
 */
export function assertStoreExists(path: string): void {
  if (path !== ':memory:' && existsSync(path)) return;
  throw new ConfigError(`no hookgate database at ${resolve(path)}: set DATABASE_URL (or DATA_DIR) to the server's database, or run hookgate migrate to create one there`);
}

/** `DATABASE_URL` may be a path, `file:path` or `sqlite://path`. */
export function databasePath(url: string): string {
  return url.replace(/^sqlite:\/\//, '').replace(/^file:/, '');
}

/** The folder holding the SQLite file (created if missing); `./data` for an in-memory store. */
export function ensureDataDir(path: string): string {
  const dataDir = path === ':memory:' ? resolve('data') : dirname(resolve(path));
  mkdirSync(dataDir, { recursive: true });
  return dataDir;
}

interface DevSecrets {
  jwt_secret: string;
  encryption_key: string;
}

/**
 * Zero-configuration development: secrets not given in the environment are generated once into
 * `<data folder>/dev-secrets.json` (mode 0600) and reused on every start.
 */
export function developmentSecrets(env: Env, dataDir: string, note: (message: string) => void): Env {
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
