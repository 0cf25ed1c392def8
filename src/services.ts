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
  /** In-memory counters for /metrics; absent where nothing scrapes them (e.g. the CLI). */
  metrics?: DeliveryMetrics;
  /** The API's rate limiter, when the entry point keeps one longer than the app (Workers: per isolate). */
  rateLimiter?: RateLimiter;
  /** Whether the store took its last write (read by `/ready`); absent in services built by hand (tests). */
  storeHealth?: StoreHealth;
  /** The console's credential sign-ins (all users together), kept as long as the rate limiter; absent in services built by hand (tests): one per app. */
  consoleSignIns?: RateLimiter;
  /** API keys that verified recently, by key (see `findTenantByApiKey`); absent in services built by hand (tests): every key is hashed. */
  verifiedApiKeys?: Lru<string, string>;
}
