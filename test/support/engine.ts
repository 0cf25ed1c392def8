import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenVerifier } from '../../src/auth/jwt.ts';
import { parseEnv, toConfig } from '../../src/config.ts';
import { openBetterSqlite } from '../../src/db/dialects/better-sqlite3.ts';
import { migrate } from '../../src/db/migrate.ts';
import type { HostStore } from '../../src/db/store.ts';
import { createDeliveryEngine, type RunningEngine, type SweepReport } from '../../src/delivery/engine/index.ts';
import { createUndiciTransport } from '../../src/delivery/transports/undici.ts';
import { createSecretCipher, type SecretCipher } from '../../src/lib/cipher.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Services } from '../../src/services.ts';
import { ENCRYPTION_KEY } from './server.ts';

export interface InProcessEngine {
  store: HostStore;
  engine: RunningEngine;
  services: Services;
  cipher: SecretCipher;
  close(): Promise<void>;
}

/**
 * The delivery engine in this process over a fresh SQLite file (or the store given, migrated here),
 * the real undici transport, and the clock `now` (a test moves time when it says so). `env` adds to
 * the configuration.
 */
export async function startEngine(now: () => number, env: Record<string, string> = {}, given?: HostStore): Promise<InProcessEngine> {
  const store = given ?? openBetterSqlite(join(mkdtempSync(join(tmpdir(), 'hookgate-engine-')), 'engine.db'));
  await migrate(store.db, store.runBatch);
  const config = toConfig(parseEnv({ HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true', HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY, ...env }));
  const cipher = await createSecretCipher(ENCRYPTION_KEY);
  const clock = { now };
  const engine = createDeliveryEngine({
    db: store.db,
    atomic: store.atomic,
    now,
    config,
    cipher,
    log: silentLogger,
    transport: createUndiciTransport({ allowPrivateTargets: true }),
  });
  const services: Services = { db: store.db, atomic: store.atomic, clock, config, cipher, verifyToken: createTokenVerifier({}, now), log: silentLogger, engine };
  return {
    store,
    engine,
    services,
    cipher,
    close: async () => {
      await engine.shutdown(1000);
      await store.close();
    },
  };
}

/** One sweep, then every attempt it took on (a sweep itself resolves once it has claimed). */
export async function sweepAndWait(engine: RunningEngine): Promise<SweepReport> {
  const report = await engine.sweep();
  await engine.settled();
  return report;
}
