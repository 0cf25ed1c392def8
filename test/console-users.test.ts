import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { verifyPassword } from '../src/lib/password.ts';
import { runCli } from './support/cli.ts';
import { ConsoleClient } from './support/console-client.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN = { user: 'ops', password: 'correct-horse-battery-staple' };

describe('console users: roles, scrypt passwords, sessions that expire and are revoked', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let endpointId: string;
  let deliveryPath: string;
  const passwords: Record<string, string> = {};
  const cli = (args: string[], input?: string) => runCli(args, { env: server.env, input });

  /** A fresh browser signed in as `name`. */
  async function signedIn(name: string) {
    const client = new ConsoleClient(server.url);
    const response = await client.signIn({ user: name, password: passwords[name]! });
    assert.equal(response.status, 303, response.html);
    return client;
  }

  /** Moves a session's times in the store, as if the server's clock had advanced. */
  function ageSessions(name: string, set: string) {
    const db = new Database(server.dbPath);
    try {
      db.prepare(`UPDATE console_sessions SET ${set} WHERE user_name = ?`).run(name);
    } finally {
      db.close();
    }
  }

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password });
    const tenant = await createTenant(server, 'Acme');
    const created = await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/hook` } });
    endpointId = created.body.webhook_id;
    await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.status_changed', data: { invoice_id: 'inv_1' } } });
    await receiver.waitFor((received) => received.length === 1);
    const [row] = queryStore(server.dbPath, 'SELECT id FROM deliveries WHERE endpoint_id = ?', endpointId);
    deliveryPath = `/console/endpoints/${endpointId}/deliveries/${row.id}`;
    for (const [name, role] of [
      ['vera', 'viewer'],
      ['otto', 'operator'],
      ['dana', 'operator'],
      ['sam', 'operator'],
    ]) {
      const result = await cli(['user', 'create', '--name', name!, '--role', role!]);
      assert.equal(result.code, 0, result.stderr);
      passwords[name!] = result.json.password;
    }
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('creates users from the CLI: a generated password printed once, or one from stdin; stores only a scrypt hash that verifies', async () => {
    assert.match(passwords.vera!, /^[A-Za-z0-9_-]{32}$/);
    const fromStdin = await cli(['user', 'create', '--name', 'alma', '--role', 'admin', '--password-stdin'], 'a-long-admin-password\n');
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.deepEqual(Object.keys(fromStdin.json).sort(), ['created_at', 'disabled_at', 'id', 'name', 'role']);
    const [stored] = queryStore(server.dbPath, "SELECT password_hash FROM console_users WHERE name = 'alma'");
    assert.match(stored.password_hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    assert.ok(!stored.password_hash.includes('a-long-admin-password'));
    assert.equal(await verifyPassword('a-long-admin-password', stored.password_hash), true);
    assert.equal(await verifyPassword('a-long-admin-passwore', stored.password_hash), false);

    const list = await cli(['user', 'list']);
    assert.deepEqual(
      list.json.items.map((user: { name: string; role: string }) => `${user.name}:${user.role}`),
      ['alma:admin', 'dana:operator', 'otto:operator', 'sam:operator', 'vera:viewer'],
    );
    assert.ok(!list.stdout.includes('scrypt'), 'the list never shows a hash');
    const taken = await cli(['user', 'create', '--name', 'vera', '--role', 'viewer']);
    assert.equal(taken.code, 2);
    assert.match(JSON.parse(taken.stderr).error, /already exists/);
    const badRole = await cli(['user', 'create', '--name', 'root', '--role', 'superuser']);
    assert.equal(badRole.code, 2);
    assert.match(JSON.parse(badRole.stderr).error, /viewer, operator, admin/);
  });

  it('lets a viewer read every page but refuses its retry and rotation with a 403 page', async () => {
    const viewer = await signedIn('vera');
    assert.equal((await viewer.get(`/console/endpoints/${endpointId}`)).status, 200);
    const delivery = await viewer.get(deliveryPath);
    assert.equal(delivery.status, 200);
    assert.match(delivery.html, /vera \(viewer\)/);
    const csrf = await viewer.csrfOf(deliveryPath);
    const retry = await viewer.post(`${deliveryPath}/retry`, { _csrf: csrf });
    assert.equal(retry.status, 403);
    assert.match(retry.html, /Your role \(viewer\) may not change anything: it needs the operator role/);
    assert.equal((await viewer.post(`/console/endpoints/${endpointId}/rotate-secret`, { _csrf: csrf, confirm: 'rotate' })).status, 403);
    assert.equal((await viewer.get(`/console/endpoints/${endpointId}/rotate-secret`)).status, 403);
    assert.equal(receiver.received.length, 1, 'nothing was sent again');
  });

  it('lets an operator retry, recorded in the audit log under its name', async () => {
    const operator = await signedIn('otto');
    const retry = await operator.post(`${deliveryPath}/retry`, { _csrf: await operator.csrfOf(deliveryPath) });
    assert.equal(retry.status, 303);
    assert.match(retry.location!, /notice=retry-succeeded/);
    const [entry] = queryStore(server.dbPath, "SELECT actor, actor_kind FROM audit_log WHERE action = 'delivery.retried'");
    assert.deepEqual({ ...entry }, { actor: 'console:otto', actor_kind: 'console_password' });
  });

  it('ends a disabled user’s session at once, and refuses its sign-in', async () => {
    const operator = await signedIn('dana');
    assert.equal((await operator.get('/console')).status, 200);
    const disabled = await cli(['user', 'disable', '--name', 'dana']);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal(disabled.json.sessions_revoked, 1);
    assert.notEqual(disabled.json.disabled_at, null);
    const after = await operator.get('/console');
    assert.equal(after.status, 303);
    assert.equal(after.location, '/console/login');
    assert.equal((await new ConsoleClient(server.url).signIn({ user: 'dana', password: passwords.dana! })).status, 401);
  });

  it('ends a session past its absolute or idle limit, and on hookgate user revoke-sessions', async () => {
    const absolute = await signedIn('sam');
    ageSessions('sam', 'expires_at = 1');
    assert.equal((await absolute.get('/console')).status, 303);

    const revoked = await signedIn('sam');
    assert.equal((await revoked.get('/console')).status, 200);
    const result = await cli(['user', 'revoke-sessions', '--name', 'sam']);
    assert.deepEqual(result.json, { name: 'sam', sessions_revoked: 1 });
    assert.equal((await revoked.get('/console')).status, 303);

    const idle = await signedIn('sam');
    ageSessions('sam', 'last_seen_at = last_seen_at - 31 * 60 * 1000');
    assert.equal((await idle.get('/console')).status, 303);
  });
});
