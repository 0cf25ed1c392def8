import Database from 'better-sqlite3';

export interface SeededAttempt {
  startedAt: number;
  durationMs: number;
  succeeded: boolean;
}

/**
 * Writes attempts straight into a store's SQLite file (the server may be running: WAL lets both
 * write), each on a delivery of its own to `endpointId`, under one event of the endpoint's tenant.
 * For charts, whose figures need many attempts at chosen times and durations.
 */
export function seedAttempts(dbPath: string, endpointId: string, attempts: readonly SeededAttempt[]): void {
  const db = new Database(dbPath, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    const { tenant_id: tenantId } = db.prepare('SELECT tenant_id FROM endpoints WHERE id = ?').get(endpointId) as { tenant_id: string };
    const eventId = `evt_seed_${crypto.randomUUID().replaceAll('-', '')}`;
    const now = Date.now();
    const delivery = db.prepare(
      'INSERT INTO deliveries (event_id, endpoint_id, message_id, status, attempt_count, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING id',
    );
    const attempt = db.prepare(
      "INSERT INTO attempts (delivery_id, attempt_number, trigger, started_at, duration_ms, succeeded, status_code, request_url, request_headers) VALUES (?, 1, 'sweep', ?, ?, ?, ?, 'https://seed.example/', '{}')",
    );
    db.transaction(() => {
      db.prepare(
        "INSERT INTO events (id, tenant_id, type, requested_type, data, delivery_count, occurred_at, created_at) VALUES (?, ?, 'invoice.paid', 'invoice.paid', '{}', ?, ?, ?)",
      ).run(eventId, tenantId, attempts.length, now, now);
      attempts.forEach((seeded, index) => {
        const { id } = delivery.get(eventId, endpointId, `msg_${eventId}_${index}`, seeded.succeeded ? 'succeeded' : 'failed', seeded.startedAt, seeded.startedAt) as {
          id: number;
        };
        attempt.run(id, seeded.startedAt, seeded.durationMs, seeded.succeeded ? 1 : 0, seeded.succeeded ? 200 : 500);
      });
    })();
  } finally {
    db.close();
  }
}
