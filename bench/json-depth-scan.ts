import { jsonDeeperThan } from '../src/api/json-depth.ts';
import { median, round } from './lib/stats.ts';

/**
 * What the JSON depth check (src/api/json-depth.ts) costs beside the JSON.parse every JSON request
 * pays anyway, on three bodies: a typical event, a 1 MB event that is mostly one string, and a
 * batch of 1,000 small events. Median of 9 rounds, in microseconds per body; prints one JSON line
 * per body. Run with `node bench/json-depth-scan.ts` or `bun bench/json-depth-scan.ts`.
 */
const bodies: Record<string, string> = {
  event: JSON.stringify({ type: 'invoice.created', data: { invoice_id: 'inv_abc123', status: 'submitted', amount: 1234, lines: [{ sku: 'a', qty: 1 }] } }),
  'event of 1 MB': JSON.stringify({ type: 'invoice.created', data: { blob: 'x'.repeat(1024 * 1024 - 60) } }),
  'batch of 1,000': JSON.stringify({
    events: Array.from({ length: 1000 }, (_, i) => ({ type: 'invoice.created', data: { i, name: `n${i}`, tags: ['a', 'b'], nested: { x: [1, 2, 3] } } })),
  }),
};

const microsPerCall = (run: () => unknown, calls: number) => {
  const rounds = Array.from({ length: 9 }, () => {
    const started = performance.now();
    for (let i = 0; i < calls; i++) run();
    return ((performance.now() - started) * 1000) / calls;
  });
  return round(median(rounds), 2);
};

for (const [name, text] of Object.entries(bodies)) {
  const calls = Math.max(20, Math.round(20_000_000 / (text.length * 40)));
  const scan = microsPerCall(() => jsonDeeperThan(text, 64), calls);
  const parse = microsPerCall(() => JSON.parse(text), calls);
  console.log(JSON.stringify({ body: name, chars: text.length, scan_us: scan, parse_us: parse, scan_of_parse: `${Math.round((scan / parse) * 100)} %` }));
}
