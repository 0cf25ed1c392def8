/** SQLite's extended result codes for a unique index or primary key refusing a row. */
const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const UNIQUE_ERRNOS = new Set([2067, 1555]);
/** Postgres's SQLSTATE unique_violation (pg puts it in `code`). */
const POSTGRES_UNIQUE = '23505';

/**
 * Did the store refuse a write because a unique index (or primary key) already holds the key?
 * better-sqlite3 and bun:sqlite say so by the error's `code` (bun:sqlite also by `errno`); D1 gives
 * only a message (`D1_ERROR: UNIQUE constraint failed: …`), so that one is read from its text;
 * Postgres by its SQLSTATE 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno, message } = error as { code?: unknown; errno?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNIQUE_CODES.has(code) || code === POSTGRES_UNIQUE)) return true;
  if (typeof errno === 'number' && UNIQUE_ERRNOS.has(errno)) return true;
  return typeof message === 'string' && message.includes('UNIQUE constraint failed');
}
