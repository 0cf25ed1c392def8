/*
 * Telling a Postgres DATABASE_URL apart, without loading the Postgres driver (postgres.ts): a host
 * over SQLite never loads `pg` (docs/performance.md, Memory).
 */

/** `DATABASE_URL` values that select Postgres. */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** Where a Postgres URL points, for messages: `user@host:port/database`, never the password. */
export function postgresTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.host || 'localhost'}${parsed.pathname}`;
  } catch {
    return '(an unreadable postgres:// URL)';
  }
}
