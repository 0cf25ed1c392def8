/**
 * Preloaded into a server process (`NODE_OPTIONS=--import …/fake-dns.ts`, or on Bun
 * `BUN_OPTIONS=--preload …/fake-dns.ts`): names under
 * `.rebind.test` resolve to 127.0.0.1 and everything else resolves normally. It stands for a DNS
 * answer that is private at connect time even though the name looked harmless when configured.
 */
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';

const realLookup = dns.lookup;
const fakeLookup = ((hostname: string, options: unknown, callback?: unknown) => {
  const done = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
  const wantsAll = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
  if (!hostname.endsWith('.rebind.test')) return (realLookup as (...args: unknown[]) => void)(hostname, options, callback);
  process.nextTick(() => (wantsAll ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)));
}) as typeof dns.lookup;
dns.lookup = fakeLookup;
syncBuiltinESMExports();
