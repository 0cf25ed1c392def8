import type { TransportError } from '../../src/delivery/transport.ts';
import { createUndiciTransport } from '../../src/delivery/transports/undici.ts';

/**
 * Run by `test/transport.test.ts` under Node and under Bun: drives the delivery transport against
 * the test's receivers and prints what happened as one JSON line. Env: PROBE_ORIGINS (a JSON array
 * of `http://127.0.0.1:port` receivers; the first also answers /big and /slow), PROBE_REQUESTS and
 * PROBE_IN_FLIGHT.
 */
const origins = JSON.parse(process.env.PROBE_ORIGINS!) as string[];
const requests = Number(process.env.PROBE_REQUESTS);
const inFlight = Number(process.env.PROBE_IN_FLIGHT);
const post = { headers: { 'content-type': 'application/json' }, body: '{}' };
const errorClass = (error: unknown) => (error as TransportError).errorClass ?? String(error);

const guarded = createUndiciTransport({ allowPrivateTargets: false });
const blocked = await guarded
  .send({ ...post, url: `http://localhost:${new URL(origins[0]!).port}/guarded`, timeoutMs: 2000 })
  .then((response) => `sent: ${response.status}`, errorClass);
await guarded.close?.();

const transport = createUndiciTransport({ allowPrivateTargets: true, connectionsPerOrigin: 8 });
const statuses: Record<string, number> = {};
let next = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < requests) {
      const url = `${origins[next++ % origins.length]}/hook`;
      const status = await transport.send({ ...post, url, timeoutMs: 5000 }).then((response) => String(response.status), errorClass);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
const big = await transport.send({ ...post, url: `${origins[0]}/big`, timeoutMs: 10_000 });
const slow = await transport.send({ ...post, url: `${origins[0]}/slow`, timeoutMs: 300 }).then((response) => `answered: ${response.status}`, errorClass);
await transport.close?.();

process.stdout.write(`${JSON.stringify({ blocked, statuses, bigBodyLength: big.body.length, slow })}\n`);
process.exit(0);
