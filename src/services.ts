import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import type { TokenVerifier } from './auth/jwt.ts';
import type { Config } from './config.ts';
import type { Database } from './db/schema.ts';
import type { AtomicUnit } from './db/store.ts';
import type { StoreHealth } from './db/store-health.ts';
import type { DeliveryEngine } from './delivery/engine.ts';
import type { DeliveryMetrics } from './delivery/metrics.ts';
import type { SecretCipher } from './lib/cipher.ts';
import type { Logger } from './lib/logger.ts';
import type { Lru } from './lib/lru.ts';
import type { RateLimiter } from './lib/rate-limiter.ts';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Everything the app needs from outside, built by each runtime's entry point. */
/**
 * The API reference UI (@scalar/api-reference's standalone build) as the runtime bundles it: the
 * page at /docs loads it from our own origin, so it works offline and loads nothing from a CDN.
 */
export interface ApiReferenceScript {
  /** The package's version: part of the script's address, which therefore changes whenever the script does and is cached for a year. */
  version: string;
  /** The script's bytes; absent where the host serves the address itself (Workers: static assets, wrangler.toml `[assets]`). */
  read?: () => Promise<Uint8Array>;
}

export interface Services {
  db: Kysely<Database>;
  /** Runs the queries as one atomic unit: a transaction on SQLite, one batch() on D1. */
  atomic: AtomicUnit;
  clock: Clock;
  config: Config;
  cipher: SecretCipher;
  verifyToken: TokenVerifier;
  log: Logger;
  engine: DeliveryEngine;
  /** The client's address as the runtime gives it (Node and Bun: the socket's peer; Workers: `cf-connecting-ip`); absent: unknown. */
  clientAddress?: (c: Context) => string | null;
  // The process state below is made by `createServices` (Workers keep it per isolate); services built by hand (tests) may leave it out.
  /** In-memory counters for /metrics; absent: /metrics counts nothing. */
  metrics?: DeliveryMetrics;
  /** The API's rate limiter; absent: one per app. */
  rateLimiter?: RateLimiter;
  /** Whether the store took its last write (read by `/ready`). */
  storeHealth?: StoreHealth;
  /** The console's credential sign-ins (all users together); absent: one per app. */
  consoleSignIns?: RateLimiter;
  /** The bundled API reference script served for /docs; absent: /docs points at /openapi.json only. */
  apiReference?: ApiReferenceScript;
  /** Hashes of API keys that verified recently (see `findTenantByApiKey`); absent: every key is hashed. */
  verifiedApiKeys?: Lru<string, string>;
}
