import { createTokenVerifier } from '../auth/jwt.ts';
import { type Config, type Env, toConfig } from '../config.ts';
import { signInLimiter } from '../console/sign-in-limit.ts';
import { verifiedKeyCache } from '../db/repo/api-keys.ts';
import type { Store } from '../db/store.ts';
import { createStoreHealth } from '../db/store-health.ts';
import { createDeliveryEngine, type RunningEngine } from '../delivery/engine/index.ts';
import { createDeliveryMetrics } from '../delivery/metrics.ts';
import type { Transport } from '../delivery/transport.ts';
import { createSecretCipher } from '../lib/cipher.ts';
import type { Logger } from '../lib/logger.ts';
import type { Mac } from '../lib/mac.ts';
import { createRateLimiter } from '../lib/rate-limiter.ts';
import { type ApiReferenceScript, type Clock, type Services, systemClock } from '../services.ts';

/**
 * The in-memory state that may outlive one set of services: counters, the rate limiters (API and
 * console sign-ins), the store's health flag and the caches. Hosts build services once, so it
 * lives as long as the process; Workers build services per invocation and keep this per isolate.
 */
export type ProcessState = Required<Pick<Services, 'metrics' | 'rateLimiter' | 'consoleSignIns' | 'storeHealth' | 'verifiedApiKeys'>>;

export function createProcessState(config: Config, clock: Clock = systemClock): ProcessState {
  return {
    metrics: createDeliveryMetrics(),
    rateLimiter: createRateLimiter(config.rateLimitPerMinute, () => clock.now()),
    consoleSignIns: signInLimiter(() => clock.now()),
    storeHealth: createStoreHealth(),
    verifiedApiKeys: verifiedKeyCache(),
  };
}

export interface ServiceParts {
  transport: Transport;
  log: Logger;
  /** The runtime's HMAC-SHA256 for delivery signatures, if it has a faster one than @noble/hashes. */
  mac?: Mac;
  /** Keeps detached work (the fast path) alive on runtimes that would otherwise drop it (Workers' waitUntil). */
  background?: (task: Promise<unknown>) => void;
  /** The runtime's way to read the client's address (see `Services.clientAddress`). */
  clientAddress?: Services['clientAddress'];
  /** The runtime's copy of the API reference script (see `Services.apiReference`). */
  apiReference?: ApiReferenceScript;
  /** State kept from an earlier call (Workers: per isolate); fresh when absent. */
  state?: ProcessState;
}

/**
 * The one runtime-neutral wiring that the Node, Bun and Workers entries call: config, cipher,
 * token verifier and delivery engine over a store and a transport. `env` is the parsed
 * environment, with secrets already filled in by the entry point.
 */
export async function createServices(env: Env, store: Store, parts: ServiceParts): Promise<{ services: Services; engine: RunningEngine }> {
  const { log } = parts;
  if (!env.HOOKGATE_ENCRYPTION_KEY) throw new Error('HOOKGATE_ENCRYPTION_KEY is not set');
  const config = toConfig(env);
  const cipher = await createSecretCipher(env.HOOKGATE_ENCRYPTION_KEY);
  const now = () => systemClock.now();
  const state = parts.state ?? createProcessState(config);
  const { storeHealth } = state;
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
    metrics: state.metrics,
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
    clientAddress: parts.clientAddress,
    apiReference: parts.apiReference,
    ...state,
  };
  return { services, engine };
}
