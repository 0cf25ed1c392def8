import { type Runtime, runtimeCommand } from './hookgate.ts';
import type { Throughput } from './phases.ts';
import { SERVER_CORE, spawnPinned } from './processes.ts';

/** The body the raw POST loops send: an envelope of the size hookgate sends for `payloadBytes` of data. */
export function rawPostBody(payloadBytes: number): string {
  const data = `{"n":0,"pad":"${'x'.repeat(Math.max(0, payloadBytes - 40))}"}`;
  return `{"event_id":"evt_0123456789abcdef01234567","event_type":"invoice.created","timestamp":"2026-01-01T00:00:00.000Z","tenant_id":"tnt_0123456789abcdef","data":${data}}`;
}

/** A raw keep-alive POST loop (bench/raw-post-loop.ts) to `url`, on the server core (where hookgate's delivery runs). */
export async function runRawPostLoop(
  runtime: Runtime,
  transport: 'undici' | 'fetch',
  url: string,
  options: { concurrency: number; durationMs: number; payloadBytes: number },
): Promise<Throughput> {
  const [command, args] = runtimeCommand(runtime, 'bench/raw-post-loop.ts');
  const spawned = spawnPinned(SERVER_CORE, command, args, {
    BENCH_URL: url,
    BENCH_TRANSPORT: transport,
    BENCH_CONCURRENCY: String(options.concurrency),
    BENCH_DURATION_MS: String(options.durationMs),
    BENCH_BODY: rawPostBody(options.payloadBytes),
  });
  const exit = await new Promise<number | null>((resolve) => spawned.child.once('exit', resolve));
  const line = spawned.output.find((text) => text.startsWith('{"count"'));
  if (exit !== 0 || !line) throw new Error(`raw POST loop failed: ${spawned.output.join('\n')}`);
  const result = JSON.parse(line) as { count: number; durationMs: number; cpuMicros: number };
  return { perSecond: Math.round(result.count / (result.durationMs / 1000)), cpuMicros: result.cpuMicros };
}
