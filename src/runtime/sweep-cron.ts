import { Cron } from 'croner';
import type { RunningEngine } from '../delivery/engine/index.ts';
import type { Services } from '../services.ts';

/**
 * The sweeper's schedule on Node and Bun (`HOOKGATE_SWEEP_CRON`; runs never overlap). A sweep that
 * fails (the store refused a write, say) is logged and tried again on the next tick: croner does
 * not catch a failed run, and an unhandled rejection would end the process.
 */
export function scheduleSweeps(pattern: string, engine: RunningEngine, services: Pick<Services, 'log' | 'storeHealth'>): Cron {
  return new Cron(pattern, { protect: true, name: 'sweeper' }, async () => {
    try {
      const report = await engine.sweep();
      if (report.claimed || report.pruned) services.log({ msg: 'sweep', ...report });
    } catch (error) {
      services.storeHealth?.writeFailed(error);
      services.log({ level: 'error', msg: 'sweep failed', error: (error as Error).message });
    }
  });
}
