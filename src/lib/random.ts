import { bytesToBase64Url, bytesToHex } from './encoding.ts';

/** Every identifier and secret comes from the platform CSPRNG. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/**
 * Hex values (ids, request ids, key ids, hex secrets) draw from a pooled 4 KiB of CSPRNG output,
 * each byte used once: one getRandomValues call per ~170 ids instead of one each (about 3 % of an
 * ingest request's CPU). Tokens and IVs still come straight from `randomBytes`.
 */
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let offset = 0;

function pooledBytes(length: number): Uint8Array {
  if (length > POOL_SIZE) return randomBytes(length);
  if (offset + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    offset = 0;
  }
  offset += length;
  return pool.subarray(offset - length, offset);
}

export const randomHex = (bytes: number): string => bytesToHex(pooledBytes(bytes));
export const randomToken = (bytes: number): string => bytesToBase64Url(randomBytes(bytes));

/** `prefix_` followed by 24 hex characters (96 random bits). */
export const prefixedId = (prefix: string): string => `${prefix}_${randomHex(12)}`;

/**
 * `prefix_` followed by 24 hex characters, in creation order: the millisecond `now` (12 hex, 48
 * bits) then 48 random bits. For ids of rows written at a high rate and indexed by that id (events,
 * and their deliveries by event): each new key lands at the right end of its b-tree, on a page the
 * last commits already wrote, instead of on a random page of an index larger than the page cache
 * (half the COMMIT of an ingested event fanned out to ten endpoints, docs/performance.md). Time-
 * ordered ids (ULID, KSUID) are what Svix and Convoy use; an id reveals its creation time, which
 * every API answer with the event shows anyway.
 */
export const timeOrderedId = (prefix: string, now: number): string => `${prefix}_${Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12)}${randomHex(6)}`;

export const uuid = (): string => crypto.randomUUID();
