import type { Kysely } from 'kysely';
import { sha256Hex, timingSafeEqual } from '../../lib/hash.ts';
import { Lru } from '../../lib/lru.ts';
import { randomHex, randomToken } from '../../lib/random.ts';
import { firstRow, prepared } from '../prepared.ts';
import type { Database, Tenant } from '../schema.ts';
import { getTenant } from './tenants.ts';

/**
 * Tenant API keys look like `hg_<16 hex key id>_<43 char secret>`. Only the SHA-256 of the whole key
 * is stored (the key carries 256 random bits, so a fast hash is enough); the key id finds the row
 * and the hashes are compared in constant time.
 */
const KEY_PATTERN = /^hg_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

export async function issueApiKey(db: Kysely<Database>, input: { tenantId: string; label: string | null; now: number }) {
  const id = randomHex(8);
  const key = `hg_${id}_${randomToken(32)}`;
  await db
    .insertInto('api_keys')
    .values({ id, tenant_id: input.tenantId, key_hash: await sha256Hex(key), label: input.label, created_at: input.now, revoked_at: null })
    .execute();
  return { id, key, created_at: input.now };
}

/**
 * Hashes of keys that verified recently, kept in the services. A publisher sends the same key on
 * every request, and the Web Crypto digest was about an eighth of the CPU of an ingest request.
 * Only the hash is remembered: the row is still read on every request, so a revoked or deleted key
 * stops at once.
 */
export const verifiedKeyCache = () => new Lru<string, string>(1000);

// Two point reads: SQLite ran them in a quarter of the time of the equivalent join (5 + 5 µs against 22 µs here).
const keyById = prepared((db, v: { keyId: string }) => db.selectFrom('api_keys').select(['key_hash', 'revoked_at', 'tenant_id']).where('id', '=', v.keyId));

export async function findTenantByApiKey(db: Kysely<Database>, presented: string, verifiedHashes?: Lru<string, string>): Promise<Tenant | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const row = await firstRow(db, keyById(db, { keyId: match[1]! }));
  const presentedHash = verifiedHashes?.get(presented) ?? (await sha256Hex(presented));
  if (!row || row.revoked_at !== null || !timingSafeEqual(row.key_hash, presentedHash)) return null;
  verifiedHashes?.set(presented, presentedHash);
  return (await getTenant(db, row.tenant_id)) ?? null;
}

export function listApiKeys(db: Kysely<Database>, tenantId: string) {
  return db.selectFrom('api_keys').select(['id', 'label', 'created_at', 'revoked_at']).where('tenant_id', '=', tenantId).orderBy('created_at').execute();
}

export async function revokeApiKey(db: Kysely<Database>, input: { tenantId: string; keyId: string; now: number }): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: input.now })
    .where('id', '=', input.keyId)
    .where('tenant_id', '=', input.tenantId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
