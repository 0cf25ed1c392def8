import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.ts';
import { type PostgresCluster, sharedPostgres, startPostgres } from './support/postgres.ts';
import { call, createTenant, ENCRYPTION_KEY, JWT_SECRET, startServer } from './support/server.ts';

/** The CLI and the server over a `postgres://` DATABASE_URL: refused in one line when unmigrated or unreachable. */
describe('hookgate on a Postgres DATABASE_URL', { timeout: 120_000 }, () => {
  let cluster: PostgresCluster;
  const env = (url: string) => ({ DATABASE_URL: url, JWT_SECRET, HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY, LOG_LEVEL: 'error' });
  const oneLineError = (stderr: string): string => {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    return JSON.parse(lines[0]!).error;
  };

  before(async () => {
    cluster = await sharedPostgres();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('refuses a command on a database never migrated, then works once `hookgate migrate` has run', async () => {
    const url = await cluster.createDatabase();
    const refused = await runCli(['tenant', 'create', '--name', 'Early'], { env: env(url) });
    assert.equal(refused.code, 2);
    assert.match(oneLineError(refused.stderr), /^the Postgres database postgres@127\.0\.0\.1:\d+\/hookgate_\w+ has no hookgate schema: run hookgate migrate/);
    assert.equal((await runCli(['migrate'], { env: env(url) })).code, 0);
    const created = await runCli(['tenant', 'create', '--name', 'Later', '--json'], { env: env(url) });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /ten_/);
  });

  it('refuses an unreachable database in one line naming it, without its password', async () => {
    const refused = await runCli(['migrate'], { env: env('postgres://hookgate:s3cret-password@127.0.0.1:1/hookgate') });
    assert.equal(refused.code, 2);
    const error = oneLineError(refused.stderr);
    assert.match(error, /^cannot use the Postgres database hookgate@127\.0\.0\.1:1\/hookgate: ECONNREFUSED/);
    assert.doesNotMatch(refused.stderr, /s3cret/);
  });

  it('requires the secrets every process must share instead of generating them', async () => {
    const refused = await runCli(['migrate'], { env: { DATABASE_URL: cluster.url(), LOG_LEVEL: 'error' } });
    assert.equal(refused.code, 2);
    assert.match(oneLineError(refused.stderr), /with a Postgres DATABASE_URL, set HOOKGATE_ENCRYPTION_KEY and JWT_SECRET/);
  });

  it('answers 503 with Retry-After while Postgres is down, as for a full SQLite disk, and /ready says why', async () => {
    const own = await startPostgres();
    const server = await startServer({ DATABASE_URL: await own.createDatabase() });
    try {
      const tenant = await createTenant(server);
      const send = () => call(server, 'POST', '/api/v1/events', { headers: { 'x-api-key': tenant.apiKey }, body: { type: 'invoice.created', data: { n: 1 } } });
      assert.equal((await send()).status, 202);
      await own.stop();
      const refused = await send();
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers.get('retry-after'), '30');
      assert.doesNotMatch(refused.text, /ECONNREFUSED|127\.0\.0\.1|postgres/i, 'no store detail in the answer');
      const ready = await call(server, 'GET', '/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, 'unavailable');
    } finally {
      await server.stop();
      await own.stop();
    }
  });
});
