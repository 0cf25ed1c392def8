/**
 * Failures of the store itself, as opposed to a query's own mistakes: the disk is full, an I/O
 * error, the file turned read-only or locked past the busy timeout, a D1 storage error, or Postgres
 * unreachable, out of resources, shutting down or read-only. They say
 * "not now", so the API answers 503 with `Retry-After` and `/ready` reports not ready until a write
 * succeeds again.
 */

/** SQLite result codes (better-sqlite3 and bun:sqlite put them in `code`; extended codes start with these). */
const STORE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|NOMEM|PROTOCOL)/;

/**
 * Postgres SQLSTATEs (pg puts them in `code`): class 08 connection exception, 53 insufficient
 * resources (disk full, out of memory, too many connections), 57P0x the server shutting down or
 * starting, 58 system (I/O) errors, 25006 a read-only transaction (a standby), 40001 and 40P01 a
 * serialization failure or deadlock (retrying succeeds). And the socket's own errors on the way there.
 */
const POSTGRES_CODES =
  /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[1-4]|58[0-9A-Z]{3}|25006|40001|40P01|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;

/**
 * The same conditions by message: SQLite's own wording where no code is given, and D1's errors
 * whose recommended action is to retry, plus its size limit (developers.cloudflare.com/d1/observability/debug-d1).
 */
const STORE_MESSAGES =
  /database or disk is full|disk I\/O error|readonly database|unable to open database file|database is locked|SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY)|Exceeded maximum DB size|D1 DB is overloaded|Network connection lost|object to be reset|reset because its code was updated|transient issue on remote node|exceeded its memory limit|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

/** A short name for a store failure (`SQLITE_FULL`, a SQLSTATE like `53100`, or the D1 message), or null for any other error. */
export function storeFailureOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (STORE_CODES.test(code) || POSTGRES_CODES.test(code))) return code;
  if (typeof message === 'string' && STORE_MESSAGES.test(message)) return message.slice(0, 200);
  return null;
}

/** Seconds a client is asked to wait after a store failure (`Retry-After`). */
export const STORE_RETRY_AFTER_SECONDS = 30;

/**
 * Whether the store took its last write, per process (per isolate on Workers). Set by any write
 * that failed with a store failure, cleared by the next that succeeded; `/ready` reads it.
 */
export interface StoreHealth {
  /** The store failure of the last failed write, or null while writes succeed. */
  readonly failure: string | null;
  /** Notes a failed write; returns the store failure it was, if any. */
  writeFailed(error: unknown): string | null;
  writeSucceeded(): void;
}

export function createStoreHealth(): StoreHealth {
  let failure: string | null = null;
  return {
    get failure() {
      return failure;
    },
    writeFailed(error) {
      const found = storeFailureOf(error);
      if (found) failure = found;
      return found;
    },
    writeSucceeded() {
      failure = null;
    },
  };
}
