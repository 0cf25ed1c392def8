import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { runCli, runMain } from './support/cli.ts';
import { ENCRYPTION_KEY, JWT_SECRET, ROOT, spawnServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

describe('hookgate CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-cli-'));
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: join(dataDir, 'cli.db'), JWT_SECRET, HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY, LOG_LEVEL: 'error' };
  const run = (...args: string[]) => runCli(args, { env });

  it('migrates, then reports ok again idempotently', async () => {
    assert.deepEqual((await run('migrate')).json, { status: 'ok' });
    assert.deepEqual((await run('migrate')).json, { status: 'ok' });
    assert.deepEqual(
      queryStore(env.DATABASE_URL, 'SELECT name FROM d1_migrations ORDER BY id').map((row) => row.name),
      [
        '0001_init.sql',
        '0002_endpoint_policies.sql',
        '0003_rate_slots.sql',
        '0004_store_probe.sql',
        '0005_audit_log.sql',
        '0006_console_users.sql',
        '0007_portal.sql',
        '0008_rate_send_spacing.sql',
      ],
    );
  });

  it('creates a tenant with an API key, then an AS2 partner with an integer id', async () => {
    const tenant = await run('tenant', 'create', '--name', 'Acme', '--partner-org', 'org-1');
    assert.equal(tenant.code, 0);
    assert.match(tenant.json.tenant_id, /^ten_/);
    assert.match(tenant.json.api_key, /^hg_[0-9a-f]{16}_/);
    const partner = await run('as2-partner', 'create', '--tenant', tenant.json.tenant_id, '--name', 'Globex');
    assert.equal(partner.code, 0);
    assert.equal(Number.isInteger(partner.json.partner_id), true);
    const [row] = queryStore(env.DATABASE_URL, 'SELECT key_hash FROM api_keys');
    assert.notEqual(row.key_hash, tenant.json.api_key, 'only a hash is stored');
  });

  it('signs a development token with JWT_SECRET', async () => {
    const result = await run('token', '--sub', 'ops', '--tenant', 'ten_x', '--scope', 'webhooks:admin events:publish', '--ttl', '60');
    const { payload } = await jwtVerify(result.json.token, new TextEncoder().encode(JWT_SECRET));
    assert.equal(payload.sub, 'ops');
    assert.equal(payload.tenant_id, 'ten_x');
    assert.equal(payload.scope, 'webhooks:admin events:publish');
    assert.equal((payload.exp as number) - (payload.iat as number), 60);
  });

  it('publishes an event into the outbox', async () => {
    const tenant = (await run('tenant', 'create', '--name', 'Publisher')).json;
    const sent = await run('events', 'send', '--tenant', tenant.tenant_id, '--type', 'invoice.created', '--data', '{"invoice_id":"inv_1"}');
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.json.event_id, /^evt_/);
    assert.equal(sent.json.deliveries, 0);
    assert.equal(queryStore(env.DATABASE_URL, 'SELECT data FROM events WHERE id = ?', sent.json.event_id)[0].data, '{"invoice_id":"inv_1"}');
  });

  it('fails with a JSON error and exit code 2 on a usage error', async () => {
    for (const args of [
      ['tenant', 'create'],
      ['as2-partner', 'create', '--tenant', 'nope', '--name', 'x'],
      ['events', 'send', '--tenant', 'nope', '--type', 'invoice.created'],
      ['tenant', 'create', '--name', 'x', '--bogus'],
      ['frobnicate'],
    ]) {
      const result = await run(...args);
      assert.equal(result.code, 2, args.join(' '));
    }
    assert.match(JSON.parse((await run('tenant', 'create')).stderr).error, /--name is required/);
  });

  it('prints help for the program and for each command', async () => {
    // In-process: main() is what bin/hookgate.js runs, without a process start (about a second) per call.
    const help = await runMain(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['serve', 'migrate', 'tenant create', 'as2-partner create', 'token', 'events send']) assert.ok(help.stdout.includes(command), command);
    const commandHelp = await runMain(['events', 'send', '--help']);
    assert.match(commandHelp.stdout, /--tenant TENANT_ID --type TYPE --data JSON/);
  });

  it('refuses a bad configuration with a one-line error', async () => {
    const result = await runCli(['migrate'], { env: { ...env, PORT: 'eighty' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr.trim(), /^\{"error":"invalid configuration: PORT .*"\}$/);
  });
});

describe('hookgate CLI configuration: the server’s own (environment, .env, DATA_DIR), and only an existing database', () => {
  const cli = (cwd: string, env: Record<string, string>, ...args: string[]) => runCli(args, { cwd, env });

  it('refuses every command but serve and migrate where there is no database, in one line, creating nothing', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'hookgate-cli-elsewhere-'));
    const commands = [
      ['tenant', 'create', '--name', 'Lost'],
      ['as2-partner', 'create', '--tenant', 'ten_x', '--name', 'x'],
      ['events', 'send', '--tenant', 'ten_x', '--type', 'invoice.created'],
      ['token', '--sub', 'ops'],
      ['deliveries', 'list'],
      ['deliveries', 'show', '1'],
      ['deliveries', 'retry', '1'],
      ['tail', '--count', '1'],
    ];
    for (const args of commands) {
      const result = await cli(elsewhere, { LOG_LEVEL: 'error' }, ...args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '');
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(JSON.parse(lines[0]!).error, new RegExp(`^no hookgate database at ${join(elsewhere, 'data/hookgate.db')}: set DATABASE_URL .*, or run hookgate migrate`));
    }
    assert.deepEqual(readdirSync(elsewhere), [], 'no database, data folder or development secrets were created');
  });

  it('reads .env and DATA_DIR in the working folder, as the server does, and shares its store and secrets', async () => {
    const project = mkdtempSync(join(tmpdir(), 'hookgate-cli-project-'));
    writeFileSync(join(project, '.env'), `# hookgate settings\nDATA_DIR=${join(project, 'state')}\nJWT_SECRET=${JWT_SECRET}\nHOOKGATE_ENCRYPTION_KEY="${ENCRYPTION_KEY}"\n`);
    const env = { LOG_LEVEL: 'error', HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true' };
    assert.equal((await cli(project, env, 'migrate')).code, 0);
    assert.ok(existsSync(join(project, 'state/hookgate.db')), 'the database is DATA_DIR/hookgate.db');
    const tenant = JSON.parse((await cli(project, env, 'tenant', 'create', '--name', 'Dotenv')).stdout);
    const adminToken = JSON.parse((await cli(project, env, 'token', '--sub', 'ops', '--scope', 'webhooks:admin')).stdout).token;
    assert.equal((await cli(project, { ...env, DATA_DIR: join(project, 'other') }, 'deliveries', 'list')).code, 2, 'the environment wins over .env');

    const server = await spawnServer(process.execPath, [join(ROOT, 'src/runtime/node.ts')], { cwd: project, env: { ...env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' } });
    try {
      const base = server.url;
      assert.equal((await fetch(`${base}/api/webhooks`, { headers: { authorization: tenant.api_key } })).status, 404, 'the CLI’s tenant key is known: no webhook yet');
      assert.equal(
        (await fetch(`${base}/api/v1/admin/webhooks`, { headers: { authorization: `Bearer ${adminToken}` } })).status,
        200,
        'the CLI’s token is signed with the server’s secret',
      );
    } finally {
      await server.stop();
    }
  });
});
