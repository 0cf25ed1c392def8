/**
 * The engine's former home, kept for the runtime wiring's imports until it moves
 * (src/runtime/build-services.ts, host.ts, sweep-cron.ts): the engine is src/delivery/engine/.
 */
export { createDeliveryEngine, type EngineDeps, type RunningEngine, type SweepReport } from './engine/index.ts';
