import { createSecretCipher, signingSecretOf } from '../src/lib/cipher.ts';
import { median, round } from './lib/stats.ts';

/**
 * What a delivery attempt pays to read its endpoint's signing secret: `decrypt` of a `v2.` value
 * answered from the cache (the common case), of a `v2.` value not cached (HKDF-derived key, AES-GCM
 * with associated data), and of a previous release's `v1.` value not cached. `BENCH_CALLS` calls
 * each (a tenth of them for the misses), 5 rounds; prints one JSON line with the median ns per call.
 * Run: `node bench/cipher-decrypt.ts` (or `bun bench/cipher-decrypt.ts`).
 */
const calls = Number(process.env.BENCH_CALLS ?? 200_000);
const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const ids = Array.from({ length: 100 }, (_, index) => `wh_${String(index).padStart(24, '0')}`);
const secret = `whsec_${'x'.repeat(43)}`;

async function legacySeal(plaintext: string): Promise<string> {
  const raw = await crypto.subtle.importKey(
    'raw',
    Uint8Array.from(atob(key), (char) => char.charCodeAt(0)),
    'AES-GCM',
    false,
    ['encrypt'],
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, raw, new TextEncoder().encode(plaintext)));
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  return `v1.${b64(iv)}.${b64(sealed)}`;
}

async function nsPerCall(run: (index: number) => Promise<unknown>, count: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await run(index);
  return ((performance.now() - started) * 1e6) / count;
}

const cipher = await createSecretCipher(key);
const sealed = await Promise.all(ids.map((id) => cipher.encrypt(secret, signingSecretOf(id))));
// Twice as many distinct values as the cache holds, taken in turn: every call is a miss.
const MISSES = 2000;
const missIds = Array.from({ length: MISSES }, (_, index) => `wh_miss_${index}`);
const fresh = await Promise.all(missIds.map((id) => cipher.encrypt(secret, signingSecretOf(id))));
const legacy = await Promise.all(missIds.map(() => legacySeal(secret)));
const rounds: Record<'cached' | 'v2_uncached' | 'v1_uncached', number[]> = { cached: [], v2_uncached: [], v1_uncached: [] };
for (let round = 0; round < 5; round++) {
  rounds.cached.push(await nsPerCall((index) => cipher.decrypt(sealed[index % 100]!, signingSecretOf(ids[index % 100]!)), calls));
  rounds.v2_uncached.push(await nsPerCall((index) => cipher.decrypt(fresh[index % MISSES]!, signingSecretOf(missIds[index % MISSES]!)), calls / 10));
  rounds.v1_uncached.push(await nsPerCall((index) => cipher.decrypt(legacy[index % MISSES]!, signingSecretOf(missIds[index % MISSES]!)), calls / 10));
}
const runtime = 'Bun' in globalThis ? 'bun' : 'node';
console.log(JSON.stringify({ runtime, calls, ns_per_call: Object.fromEntries(Object.entries(rounds).map(([name, values]) => [name, round(median(values), 0)])) }));
