/**
 * The tenant portal's cost per use: what an embedding application triggers on each page view
 * (issue a link, open it, render the first page) and a signed-in page view, against the real Node
 * server on a fresh SQLite store, with a tenant of 50 admin endpoints. `node bench/portal-open.ts`.
 * Sequential latencies (one client) and the throughput of 16 concurrent clients; LOG_LEVEL=warn.
 */
import { signDevToken } from '../src/auth/sign-token.ts';
import { createBenchTenant, freshDataDir, removeDataDirs, startHookgate } from './lib/hookgate.ts';
import { distribution, formatDistribution, roundedDistribution } from './lib/stats.ts';

const FLOWS = Number(process.env.BENCH_FLOWS ?? 300);
const VIEWS = Number(process.env.BENCH_VIEWS ?? 500);
const CONCURRENCY = 16;

const server = await startHookgate({ runtime: 'node', role: 'api', dataDir: freshDataDir() });
try {
  const tenant = await createBenchTenant(server, [9], 50);
  const token = await signDevToken({ secret: 'bench-secret-that-is-at-least-32-characters-long', sub: 'bench', scope: 'webhooks:admin', ttlSeconds: 3600 });
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await work();
    return [result, performance.now() - started];
  };
  /** One page view of the embedding app: a link, its redemption, the first page. */
  async function flow(): Promise<{ issue: number; open: number; page: number; cookie: string }> {
    const [url, issue] = await timed(async () => {
      const response = await fetch(`${server.url}/api/v1/admin/tenants/${tenant.id}/portal`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 201) throw new Error(`issue: ${response.status}`);
      return ((await response.json()) as { url: string }).url;
    });
    const [cookie, open] = await timed(async () => {
      const response = await fetch(url, { redirect: 'manual' });
      await response.arrayBuffer();
      if (response.status !== 303) throw new Error(`open: ${response.status}`);
      return response.headers.getSetCookie()[0]!.split(';')[0]!;
    });
    const [, page] = await timed(async () => {
      const response = await fetch(`${server.url}/portal`, { headers: { cookie } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`page: ${response.status}`);
    });
    return { issue, open, page, cookie };
  }

  for (let i = 0; i < 20; i++) await flow(); // warm-up
  const flows = [];
  for (let i = 0; i < FLOWS; i++) flows.push(await flow());
  const show = (name: string, values: number[]) => console.log(`${name.padEnd(28)} ${formatDistribution(roundedDistribution(distribution(values)))}`);
  show(
    'issue link (POST)',
    flows.map((f) => f.issue),
  );
  show(
    'open link (GET, 303)',
    flows.map((f) => f.open),
  );
  show(
    'first page (50 endpoints)',
    flows.map((f) => f.page),
  );
  show(
    'whole flow',
    flows.map((f) => f.issue + f.open + f.page),
  );

  const cookie = flows[0]!.cookie;
  const views: number[] = [];
  for (let i = 0; i < VIEWS; i++) {
    const [, ms] = await timed(async () => {
      const response = await fetch(`${server.url}/portal`, { headers: { cookie } });
      await response.arrayBuffer();
    });
    views.push(ms);
  }
  show('signed-in page view', views);

  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (done < FLOWS) {
        done++;
        await flow();
      }
    }),
  );
  console.log(`${CONCURRENCY} concurrent clients: ${Math.round((FLOWS / (performance.now() - started)) * 1000)} whole flows/s`);
} finally {
  await server.process.stop();
  removeDataDirs();
}
