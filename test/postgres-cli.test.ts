import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.ts';
import { type PostgresCluster, sharedPostgres } from './support/postgres.ts';
import { ENCRYPTION_KEY, JWT_SECRET } from './support/server.ts';

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
});
