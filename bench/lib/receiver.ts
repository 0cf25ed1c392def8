import type { Receiver } from './phases.ts';
import { CLIENT_CORE, CLIENT_NODE_FLAGS, spawnPinned } from './processes.ts';

/** Starts bench/receiver.ts on the client core, listening on `ports` ports (ten origins by default, so ten endpoints get their own connection pools). */
export async function startReceiver(ports = 10): Promise<Receiver & { stop(): Promise<void> }> {
  const spawned = spawnPinned(CLIENT_CORE, process.execPath, [...CLIENT_NODE_FLAGS, 'bench/receiver.ts'], { BENCH_PORTS: String(ports) });
  const listening = await new Promise<number[]>((resolve, reject) => {
    spawned.child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).ports));
    spawned.child.once('exit', (code) => reject(new Error(`receiver exited with ${code}: ${spawned.output.join('\n')}`)));
  });
  const origin = `http://127.0.0.1:${listening[0]}`;
  return {
    origin,
    ports: listening,
    collect: async () => (await fetch(`${origin}/__bench/collect`)).json() as ReturnType<Receiver['collect']>,
    total: async () => ((await (await fetch(`${origin}/__bench/total`)).json()) as { total: number }).total,
    stop: () => spawned.stop(),
  };
}
