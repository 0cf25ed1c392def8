import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

/**
 * A digest of everything the API writes. The delivery engine keeps working in the background
 * (attempts, delivery status and leases, endpoint health, circuit and rate-limit state, recovery
 * progress, operational events), so those columns and rows are left out: what remains changes
 * only when a request is accepted.
 */
const QUERIES = [
  'SELECT * FROM tenants ORDER BY id',
  'SELECT * FROM api_keys ORDER BY id',
  'SELECT * FROM as2_partners ORDER BY id',
  `SELECT id, tenant_id, surface, url, description, event_types, secret_enc, previous_secret_enc, auth_method, auth_enc,
     subscriber, as2_partner_id, created_at FROM endpoints ORDER BY id`,
  "SELECT * FROM events WHERE type NOT LIKE 'delivery.%' AND type NOT LIKE 'endpoint.%' ORDER BY id",
  `SELECT d.id, d.event_id, d.endpoint_id, d.message_id, d.created_at FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE e.type NOT LIKE 'delivery.%' AND e.type NOT LIKE 'endpoint.%' ORDER BY d.id`,
  'SELECT id, endpoint_id, since, until, status_filter, created_at FROM recovery_jobs ORDER BY id',
];

export function storeDigest(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash('sha256');
    for (const query of QUERIES) hash.update(JSON.stringify(db.prepare(query).all()));
    return hash.digest('hex');
  } finally {
    db.close();
  }
}
