import type { Kysely } from 'kysely';
import { createTokenVerifier } from '../auth/jwt.ts';
import { type Env, toConfig } from '../config.ts';
import { migrate, type StatementBatchRunner } from '../db/migrate.ts';
import type { Database } from '../db/schema.ts';
import { createStoreHealth } from '../db/store-health.ts';
import { createDeliveryMetrics } from '../delivery/metrics.ts';
import type { Mac } from '../delivery/signer.ts';
import { createDeliveryEngine, type RunningEngine } from '../delivery/sweeper.ts';
import type { Transport } from '../delivery/transport.ts';
import { createSecretCipher } from '../lib/cipher.ts';
import type { Logger } from '../lib/logger.ts';
import { type Services, systemClock } from '../services.ts';

/** What every runtime's store offers: the Kysely instance, the atomic unit, and a migration runner. */
export interface Store {
  db: Kysely<Database>;
  atomic: Services['atomic'];
  runBatch: StatementBatchRunner;
}

export interface ServiceParts {
  /** The parsed environment, with secrets already filled in by the entry point. */
  env: Env;
  store: Store;
  transport: Transport;
  /** The runtime's HMAC-SHA256 for delivery signatures, if it has a faster one than @noble/hashes. */
  mac?: Mac;
  log: Logger;
  /** Keeps detached work (the fast path) alive on runtimes that would otherwise drop it (Workers' waitUntil). */
  background?: (task: Promise<unknown>) => void;
  /** In-memory state that outlives one set of services (Workers build services per invocation). */
  shared?: Pick<Services, 'metrics' | 'rateLimiter' | 'storeHealth'>;
}

/** Applies pending migrations and logs what ran. */
export async function migrateStore(store: Store, log: Logger): Promise<string[]> {
  const applied = await migrate(store.db, store.runBatch);
  if (applied.length) log({ msg: 'migrations applied', migrations: applied });
  return applied;
}

/** The runtime-neutral wiring: config, cipher, token verifier and delivery engine over a store and a transport. */
export async function buildServices(parts: ServiceParts): Promise<{ services: Services; engine: RunningEngine }> {
  const { env, store, log } = parts;
  if (!env.HOOKGATE_ENCRYPTION_KEY) throw new Error('HOOKGATE_ENCRYPTION_KEY is not set');
  const config = toConfig(env);
  const cipher = await createSecretCipher(env.HOOKGATE_ENCRYPTION_KEY);
  const now = () => systemClock.now();
  const metrics = parts.shared?.metrics ?? createDeliveryMetrics();
  const storeHealth = parts.shared?.storeHealth ?? createStoreHealth();
  // Every atomic unit (ingestion outboxes, attempt results) tells whether the store takes writes.
  const atomic: Services['atomic'] = (queries) =>
    store.atomic(queries).then(
      (results) => {
        storeHealth.writeSucceeded();
        return results;
      },
      (error: unknown) => {
        storeHealth.writeFailed(error);
        throw error;
      },
    );
  const engine = createDeliveryEngine({
    db: store.db,
    atomic,
    now,
    config,
    cipher,
    log,
    transport: parts.transport,
    mac: parts.mac,
    background: parts.background,
    metrics,
  });
  const services: Services = {
    db: store.db,
    atomic,
    clock: systemClock,
    config,
    cipher,
    verifyToken: createTokenVerifier(config.jwt, now),
    log,
    engine,
    metrics,
    rateLimiter: parts.shared?.rateLimiter,
    storeHealth,
  };
  return { services, engine };
}
