/**
 * Preloaded into a server process (`NODE_OPTIONS=--import …/fake-dns.ts`, or on Bun
 * `BUN_OPTIONS=--preload …/fake-dns.ts`): each name of RESERVED_ADDRESSES resolves to its reserved
 * address, other names under `.rebind.test` to 127.0.0.1, and everything else resolves normally.
 * It stands for a DNS answer that is private at connect time even though the name looked harmless
 * when configured.
 */
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import { RESERVED_ADDRESSES } from '../../support/ssrf-targets.ts';

const answers = new Map(RESERVED_ADDRESSES.map(({ name, address }) => [name, address]));
const realLookup = dns.lookup;
const fakeLookup = ((hostname: string, options: unknown, callback?: unknown) => {
  const done = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
  const wantsAll = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
  if (!hostname.endsWith('.rebind.test')) return (realLookup as (...args: unknown[]) => void)(hostname, options, callback);
  const address = answers.get(hostname) ?? '127.0.0.1';
  const family = address.includes(':') ? 6 : 4;
  process.nextTick(() => (wantsAll ? done(null, [{ address, family }]) : done(null, address, family)));
}) as typeof dns.lookup;
dns.lookup = fakeLookup;
syncBuiltinESMExports();
