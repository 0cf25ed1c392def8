import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsoleClient } from './support/console-client.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { call, createAs2Partner, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN = { user: 'ops', password: 'correct-horse-battery-staple' };
const VIEWER = { user: 'vera', password: 'viewer-password-1' };
const OPERATOR = { user: 'otto', password: 'operator-password-1' };

/** The one value of `<code id="…">` on a page (a key, secret or password shown once). */
const shownOnce = (page: string, id: string) => new RegExp(`<code id="${id}">([^<]+)</code>`).exec(page)?.[1];
/** The text of the page's error notice. */
const errorNotice = (page: string) => /<div class="notice error" role="status">([^<]*)<\/div>/.exec(page)?.[1];

describe('console: operating the service (tenants, keys, partners, endpoints of every surface, recovery, users) with roles, CSRF and form errors', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let admin: ConsoleClient;
  let viewer: ConsoleClient;
  let operator: ConsoleClient;
  let tenant: { id: string; apiKey: string };
  let partnerId: number;
  let sponsorId: string;
  const csrf = new Map<ConsoleClient, string>();

  const count = (table: string) => Number(queryStore(server.dbPath, `SELECT count(*) AS n FROM ${table}`)[0].n);
  /** Rows that any console change writes: if none of them moved, nothing stored changed. */
  const storeSnapshot = () =>
    ['tenants', 'api_keys', 'as2_partners', 'endpoints', 'console_users', 'recovery_jobs', 'audit_log', 'portal_links'].map((table) => `${table}:${count(table)}`).join(' ');
  const endpointRow = (id: string) => queryStore(server.dbPath, 'SELECT * FROM endpoints WHERE id = ?', id)[0];
  const post = (client: ConsoleClient, path: string, form: Record<string, string> = {}) => client.post(path, { _csrf: csrf.get(client)!, ...form });
  const lastAudit = () => queryStore(server.dbPath, 'SELECT * FROM audit_log ORDER BY id DESC LIMIT 1')[0];

  async function signedIn(who: { user: string; password: string }) {
    const client = new ConsoleClient(server.url);
    assert.equal((await client.signIn(who)).status, 303);
    csrf.set(client, await client.csrfOf('/console'));
    return client;
  }

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password, HOOKGATE_MAX_ENDPOINTS_PER_TENANT: '5' });
    tenant = await createTenant(server, 'Acme');
    partnerId = await createAs2Partner(server, tenant.id, 'Contoso EDI');
    admin = await signedIn(ADMIN);
    for (const [who, role] of [
      [VIEWER, 'viewer'],
      [OPERATOR, 'operator'],
    ] as const) {
      const created = await post(admin, '/console/users', { name: who.user, role, password: who.password });
      assert.equal(created.status, 200, created.html);
    }
    viewer = await signedIn(VIEWER);
    operator = await signedIn(OPERATOR);
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/sponsor` } });
    sponsorId = sponsor.body.webhook_id;
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('creates a tenant: its first API key is shown once and works; the tenant page never shows it again; audited with the console user', async () => {
    const created = await post(admin, '/console/tenants', { name: 'Globex', partner_org_id: '' });
    assert.equal(created.status, 200, created.html);
    const key = shownOnce(created.html, 'new-api-key');
    assert.match(key ?? '', /^hg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const [stored] = queryStore(server.dbPath, "SELECT id FROM tenants WHERE name = 'Globex'");
    assert.equal((await call(server, 'GET', '/api/webhooks', { headers: { authorization: key! } })).status, 404, 'the key authenticates (no webhook yet)');
    const page = await admin.get(`/console/tenants/${stored.id}`);
    assert.equal(page.status, 200);
    assert.ok(!page.html.includes(key!), 'the raw key is never shown again');
    assert.match(page.html, new RegExp(`hg_${key!.slice(3, 19)}`), 'its public id is');
    const entry = lastAudit();
    assert.deepEqual([entry.action, entry.actor, entry.actor_kind, entry.tenant_id], ['tenant.created', 'console:ops', 'console_password', stored.id]);
  });

  it('refuses a tenant without a name with the form and its error; nothing is stored', async () => {
    const before = storeSnapshot();
    const refused = await post(admin, '/console/tenants', { name: '   ', partner_org_id: '' });
    assert.equal(refused.status, 400);
    assert.equal(errorNotice(refused.html), 'Name is required');
    assert.match(refused.html, /<form method="post" action="\/console\/tenants">/);
    assert.equal(storeSnapshot(), before);
  });

  it('creates an API key shown once and revokes it: the API refuses it from then on', async () => {
    const created = await post(admin, `/console/tenants/${tenant.id}/keys`, { label: 'billing' });
    assert.equal(created.status, 200, created.html);
    const key = shownOnce(created.html, 'new-api-key')!;
    const keyId = key.slice(3, 19);
    assert.equal((await call(server, 'GET', '/api/webhooks', { headers: { authorization: key } })).status, 200);
    assert.equal(lastAudit().action, 'api_key.issued');
    const revoked = await post(admin, `/console/tenants/${tenant.id}/keys/${keyId}/revoke`);
    assert.equal(revoked.status, 303);
    assert.equal((await call(server, 'GET', '/api/webhooks', { headers: { authorization: key } })).status, 401);
    assert.match((await admin.get(revoked.location!)).html, /API key revoked/);
    assert.deepEqual([lastAudit().action, lastAudit().target_id], ['api_key.revoked', `hg_${keyId}`]);
    assert.equal((await post(admin, `/console/tenants/${tenant.id}/keys/${keyId}/revoke`)).status, 404, 'a revoked key cannot be revoked again');
  });

  it('creates an AS2 partner and lists it; an empty name is refused on the page', async () => {
    const created = await post(admin, `/console/tenants/${tenant.id}/partners`, { name: 'Initech AS2' });
    assert.equal(created.status, 303);
    assert.match((await admin.get(created.location!)).html, /Initech AS2/);
    const before = storeSnapshot();
    const refused = await post(admin, `/console/tenants/${tenant.id}/partners`, { name: '' });
    assert.equal(refused.status, 400);
    assert.equal(errorNotice(refused.html), 'Partner name is required');
    assert.equal(storeSnapshot(), before);
  });

  it('issues a tenant’s portal link (admin): shown once with its expiry, it opens that tenant’s portal once; themed and embeddable as the API’s; audited', async () => {
    const page = await admin.get(`/console/tenants/${tenant.id}`);
    assert.match(page.html, /Create portal link/, 'the tenant page offers it');
    const created = await post(admin, `/console/tenants/${tenant.id}/portal`, {
      accent: '#0A5D45',
      logo_url: 'https://app.example.com/logo.svg',
      frame_ancestors: 'https://App.example.com  https://admin.example.com',
    });
    assert.equal(created.status, 200, created.html);
    const url = shownOnce(created.html, 'portal-url')!;
    assert.match(url, new RegExp(`^${server.url}/portal/open\\?token=pl_[0-9a-f]{24}\\.`));
    const expiresAt = /<time id="portal-expires" datetime="([^"]+)"/.exec(created.html)?.[1];
    assert.ok(Math.abs(Date.parse(expiresAt!) - Date.now() - 900_000) < 60_000, `expires in the API's default 15 minutes (${expiresAt})`);
    const [link] = queryStore(server.dbPath, 'SELECT id, tenant_id, settings, created_by FROM portal_links ORDER BY created_at DESC LIMIT 1');
    assert.deepEqual([link.tenant_id, link.created_by], [tenant.id, 'console:ops']);
    assert.deepEqual(JSON.parse(link.settings), {
      accent: '#0A5D45',
      logo_url: 'https://app.example.com/logo.svg',
      frame_ancestors: ['https://app.example.com', 'https://admin.example.com'],
    });
    const entry = lastAudit();
    assert.deepEqual([entry.action, entry.actor, entry.target_id, entry.tenant_id], ['portal_link.created', 'console:ops', link.id, tenant.id]);
    assert.ok(!(await admin.get(`/console/tenants/${tenant.id}`)).html.includes(url), 'the link is never shown again');

    const opened = await fetch(url, { redirect: 'manual' });
    assert.equal(opened.status, 303);
    const portal = await fetch(`${server.url}/portal`, { headers: { cookie: opened.headers.getSetCookie()[0]!.split(';')[0]! } });
    assert.equal(portal.status, 200);
    assert.match(await portal.text(), /Acme · webhooks/, 'the portal of this tenant');
    assert.match(portal.headers.get('content-security-policy')!, /frame-ancestors https:\/\/app\.example\.com https:\/\/admin\.example\.com/);
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 410, 'single use');
  });

  it('ends a tenant’s portal access (admin): its open session is signed out, its unopened link expires; audited', async () => {
    const shown = async () => /<p id="portal-open">([^<]+)<\/p>/.exec((await admin.get(`/console/tenants/${tenant.id}`)).html)?.[1];
    const first = shownOnce((await post(admin, `/console/tenants/${tenant.id}/portal`)).html, 'portal-url')!;
    const unopened = shownOnce((await post(admin, `/console/tenants/${tenant.id}/portal`)).html, 'portal-url')!;
    const cookie = (await fetch(first, { redirect: 'manual' })).headers.getSetCookie()[0]!.split(';')[0]!;
    const portal = () => fetch(`${server.url}/portal`, { headers: { cookie } });
    assert.equal((await portal()).status, 200);
    assert.equal(await shown(), '2 portal sessions open, 1 link not yet opened.', 'this one and the one the previous test opened');

    const ended = await post(admin, `/console/tenants/${tenant.id}/portal/revoke`);
    assert.equal(ended.status, 303);
    assert.equal(ended.location, `/console/tenants/${tenant.id}?notice=portal-revoked`);
    assert.equal((await portal()).status, 401, 'the session is over');
    assert.equal((await fetch(unopened, { redirect: 'manual' })).status, 410, 'the link no longer opens');
    assert.equal(await shown(), '0 portal sessions open, 0 links not yet opened.');
    const entry = lastAudit();
    assert.deepEqual(
      [entry.action, entry.actor, entry.tenant_id, JSON.parse(entry.changes)],
      ['portal.revoked', 'console:ops', tenant.id, { sessions_ended: 2, links_expired: 1 }],
    );
  });

  it('refuses a portal link with a bad accent, logo or origin on the form, keeping what was typed; nothing stored', async () => {
    const before = storeSnapshot();
    for (const [field, value, message] of [
      ['accent', 'green', /theme\.accent: Expected a hex colour/],
      ['logo_url', 'http://app.example.com/logo.svg', /theme\.logo_url: Expected an https URL/],
      ['frame_ancestors', 'https://app.example.com/path', /frame_ancestors\.0: Expected an origin/],
    ] as const) {
      const refused = await post(admin, `/console/tenants/${tenant.id}/portal`, { accent: '', logo_url: '', frame_ancestors: '', [field]: value });
      assert.equal(refused.status, 400, field);
      assert.match(errorNotice(refused.html) ?? '', message);
      assert.ok(refused.html.includes(`value="${value}"`), `${field}: what was typed is kept`);
    }
    assert.equal(storeSnapshot(), before);
  });

  it('creates an endpoint of each surface through the domain rules of its API, showing the signing secret once', async () => {
    const forms: Record<string, Record<string, string>> = {
      admin: { url: `${receiver.url}/admin`, events: 'invoice.created', description: 'from the console' },
      subscription: {
        url: `${receiver.url}/sub`,
        subscriber: 'svc-billing',
        event_type: 'DOCUMENT_STATUS_CHANGED',
        auth_method: 'API_KEY',
        header_name: 'X-Api-Key',
        api_key: 'k-123',
      },
      as2: { url: `${receiver.url}/as2`, partner_id: String(partnerId) },
    };
    for (const [surface, form] of Object.entries(forms)) {
      const created = await post(operator, `/console/tenants/${tenant.id}/endpoints`, { surface, ...form });
      assert.equal(created.status, 200, `${surface}: ${errorNotice(created.html)}`);
      const id = /→ go to <code>([^<]+)<\/code>/.exec(created.html)![1]!;
      const row = endpointRow(id);
      assert.deepEqual([row.surface, row.url, row.tenant_id], [surface, form.url, tenant.id]);
      assert.ok((shownOnce(created.html, 'new-secret') ?? '').length >= 16, `${surface}: the secret is shown once`);
      assert.deepEqual([lastAudit().action, lastAudit().actor], ['webhook.created', 'console:otto']);
    }
    const [subscription] = queryStore(server.dbPath, "SELECT subscriber, auth_method, auth_enc FROM endpoints WHERE surface = 'subscription'");
    assert.deepEqual([subscription.subscriber, subscription.auth_method], ['svc-billing', 'API_KEY']);
    assert.ok(!subscription.auth_enc.includes('k-123'), 'the outbound credential is stored encrypted');
  });

  it('refuses what the APIs refuse, on the form with the message, storing nothing: a second sponsor webhook, a bad URL, no events, a reserved header, a partner’s second webhook', async () => {
    const cases: [string, Record<string, string>, number, RegExp][] = [
      ['sponsor', { url: `${receiver.url}/again` }, 409, /already exists for this sponsor/],
      ['admin', { url: 'not a url', events: 'invoice.created' }, 400, /url/],
      ['admin', { url: 'ftp://example.com/x', events: 'invoice.created' }, 400, /url/i],
      ['admin', { url: `${receiver.url}/x` }, 400, /events/],
      [
        'subscription',
        { url: `${receiver.url}/s`, subscriber: 's', event_type: 'DOCUMENT_STATUS_CHANGED', auth_method: 'API_KEY', header_name: 'Content-Type', api_key: 'k' },
        400,
        /set by the platform/,
      ],
      [
        'subscription',
        { url: `${receiver.url}/s`, subscriber: '', event_type: 'DOCUMENT_STATUS_CHANGED', auth_method: 'BASIC_AUTH', username: 'u', password: 'p' },
        400,
        /subscriber/,
      ],
      ['as2', { url: `${receiver.url}/as2b`, partner_id: String(partnerId) }, 409, /already has a webhook/],
      ['as2', { url: `${receiver.url}/as2b`, partner_id: '999999' }, 404, /./],
    ];
    const before = storeSnapshot();
    for (const [surface, form, status, message] of cases) {
      const refused = await post(operator, `/console/tenants/${tenant.id}/endpoints`, { surface, ...form });
      assert.equal(refused.status, status, `${surface} ${JSON.stringify(form)}: ${refused.html.slice(0, 300)}`);
      if (status !== 404) {
        assert.match(errorNotice(refused.html) ?? '', message, `${surface} ${JSON.stringify(form)}`);
        assert.match(refused.html, /id="endpoint-form"/, 'the form is shown again');
        assert.ok(!refused.html.includes('name="api_key" type="password" value="k"'), 'a typed secret is not echoed');
      }
    }
    assert.equal(storeSnapshot(), before);
  });

  it('refuses a new endpoint over the tenant’s quota with a 409 on the form', async () => {
    const before = storeSnapshot();
    const form = { surface: 'admin', url: `${receiver.url}/quota`, events: 'invoice.created' };
    assert.equal((await post(operator, `/console/tenants/${tenant.id}/endpoints`, form)).status, 200, 'the fifth endpoint fits');
    const refused = await post(operator, `/console/tenants/${tenant.id}/endpoints`, form);
    assert.equal(refused.status, 409);
    assert.match(errorNotice(refused.html) ?? '', /Endpoint limit reached/);
    assert.equal(count('endpoints'), Number(before.split(' ')[3]!.split(':')[1]) + 1);
  });

  it('edits an endpoint of each surface; a bad edit shows the form and changes nothing; a blank secret keeps the stored credential', async () => {
    const edited = await post(operator, `/console/endpoints/${sponsorId}/edit`, { url: `${receiver.url}/sponsor-v2`, events: 'invoice.created' });
    assert.equal(edited.status, 303, errorNotice(edited.html) ?? '');
    assert.deepEqual([endpointRow(sponsorId).url, endpointRow(sponsorId).event_types], [`${receiver.url}/sponsor-v2`, '["invoice.created"]']);
    assert.equal(lastAudit().action, 'webhook.updated');

    const before = storeSnapshot();
    const refused = await post(operator, `/console/endpoints/${sponsorId}/edit`, { url: 'javascript:alert(1)' });
    assert.equal(refused.status, 400);
    assert.match(errorNotice(refused.html) ?? '', /url/i);
    assert.equal(endpointRow(sponsorId).url, `${receiver.url}/sponsor-v2`);
    assert.equal(storeSnapshot(), before);

    const [adminEndpoint] = queryStore(server.dbPath, "SELECT id FROM endpoints WHERE surface = 'admin'");
    const adminSaved = await post(operator, `/console/endpoints/${adminEndpoint.id}/edit`, { url: `${receiver.url}/admin-v2`, events: 'invoice.created', description: 'renamed' });
    assert.equal(adminSaved.status, 303, errorNotice(adminSaved.html) ?? '');
    assert.deepEqual([endpointRow(adminEndpoint.id).url, endpointRow(adminEndpoint.id).description], [`${receiver.url}/admin-v2`, 'renamed']);
    const noEvents = await post(operator, `/console/endpoints/${adminEndpoint.id}/edit`, { url: `${receiver.url}/admin-v3`, description: 'x' });
    assert.equal(noEvents.status, 400, 'an admin endpoint keeps at least one event');
    assert.equal(endpointRow(adminEndpoint.id).url, `${receiver.url}/admin-v2`);

    const [as2] = queryStore(server.dbPath, "SELECT id, secret_enc FROM endpoints WHERE surface = 'as2'");
    const as2Saved = await post(operator, `/console/endpoints/${as2.id}/edit`, { url: `${receiver.url}/as2-v2`, events: 'message.received', secret: '' });
    assert.equal(as2Saved.status, 303, errorNotice(as2Saved.html) ?? '');
    assert.deepEqual(
      [endpointRow(as2.id).url, endpointRow(as2.id).event_types, endpointRow(as2.id).secret_enc],
      [`${receiver.url}/as2-v2`, '["message.received"]', as2.secret_enc],
    );

    const [sub] = queryStore(server.dbPath, "SELECT id, auth_enc FROM endpoints WHERE surface = 'subscription'");
    const form = await operator.get(`/console/endpoints/${sub.id}/edit`);
    assert.match(form.html, /name="header_name" type="text" value="X-Api-Key"/);
    assert.ok(!form.html.includes('k-123'), 'the edit form never shows a stored credential');
    const saved = await post(operator, `/console/endpoints/${sub.id}/edit`, {
      url: `${receiver.url}/sub-v2`,
      event_type: 'DOCUMENT_STATUS_CHANGED',
      auth_method: 'API_KEY',
      header_name: 'X-Api-Key',
      api_key: '',
    });
    assert.equal(saved.status, 303, errorNotice(saved.html) ?? '');
    assert.equal(endpointRow(sub.id).url, `${receiver.url}/sub-v2`);
    const tested = await post(operator, `/console/endpoints/${sub.id}/test`);
    assert.equal(tested.status, 303);
    const delivered = await receiver.waitFor((received) => received.some((request) => request.path === '/sub-v2'));
    assert.equal(delivered.find((request) => request.path === '/sub-v2')!.headers['x-api-key'], 'k-123', 'the kept API key is sent');
  });

  it('deletes an endpoint only after the confirmation, with its audit entry', async () => {
    const [as2] = queryStore(server.dbPath, "SELECT id FROM endpoints WHERE surface = 'as2'");
    const asked = await operator.get(`/console/endpoints/${as2.id}/delete`);
    assert.match(asked.html, /name="confirm" value="delete"/);
    const unconfirmed = await post(operator, `/console/endpoints/${as2.id}/delete`);
    assert.equal(unconfirmed.location, `/console/endpoints/${as2.id}/delete`);
    assert.ok(endpointRow(as2.id), 'not deleted without the confirmation');
    const deleted = await post(operator, `/console/endpoints/${as2.id}/delete`, { confirm: 'delete' });
    assert.equal(deleted.location, `/console/tenants/${tenant.id}?notice=deleted`);
    assert.equal(endpointRow(as2.id), undefined);
    assert.deepEqual([lastAudit().action, lastAudit().target_id], ['webhook.deleted', as2.id]);
  });

  it('previews a bulk recovery per status without changing anything, then starts it and shows its progress', async () => {
    // The sponsor endpoint has one succeeded test delivery after this.
    assert.equal((await post(operator, `/console/endpoints/${sponsorId}/test`)).status, 303);
    const range = { since: '2000-01-01T00:00', until: '', status: 'all' };
    const before = storeSnapshot();
    const preview = await post(operator, `/console/endpoints/${sponsorId}/recover`, range);
    assert.equal(preview.status, 200, errorNotice(preview.html) ?? '');
    assert.match(preview.html, /<td class="count-failed">0<\/td>/);
    assert.match(preview.html, /<td class="count-succeeded">1<\/td>/);
    assert.equal(storeSnapshot(), before, 'the dry run changes nothing');

    const started = await post(operator, `/console/endpoints/${sponsorId}/recover`, { ...range, confirm: 'recover' });
    assert.equal(started.status, 303);
    assert.match(started.location!, new RegExp(`^/console/endpoints/${sponsorId}/recoveries/rec_`));
    const progress = await viewer.get(started.location!);
    assert.equal(progress.status, 200);
    assert.match(progress.html, /data-live/);
    assert.match(progress.html, /of 1 handled/);
    assert.equal(lastAudit().action, 'recovery.started');

    const bad = await post(operator, `/console/endpoints/${sponsorId}/recover`, { since: 'yesterday', until: '', status: 'all' });
    assert.equal(bad.status, 400);
    assert.match(errorNotice(bad.html) ?? '', /From must be a date/);
  });

  it('manages users (admin): a short password is refused, disabling signs the user out, sessions can be revoked', async () => {
    const refused = await post(admin, '/console/users', { name: 'shorty', role: 'viewer', password: 'short' });
    assert.equal(refused.status, 400);
    assert.match(errorNotice(refused.html) ?? '', /at least 12 characters/);
    const taken = await post(admin, '/console/users', { name: VIEWER.user, role: 'viewer', password: 'another-long-one' });
    assert.equal(taken.status, 409);

    const generated = await post(admin, '/console/users', { name: 'gina', role: 'operator', password: '' });
    const password = shownOnce(generated.html, 'new-password')!;
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    const gina = await signedIn({ user: 'gina', password });
    assert.match((await admin.get('/console/users')).html, /<td>gina<\/td>\s*<td>operator<\/td>/);

    assert.equal((await post(admin, '/console/users/gina/revoke-sessions')).status, 303);
    assert.equal((await gina.get('/console')).location, '/console/login', 'revoked: signed out');
    const again = await signedIn({ user: 'gina', password });
    assert.equal((await post(admin, '/console/users/gina/disable')).status, 303);
    assert.equal((await again.get('/console')).location, '/console/login', 'disabled: signed out');
    assert.equal((await new ConsoleClient(server.url).signIn({ user: 'gina', password })).status, 401, 'and cannot sign in');
    assert.deepEqual(
      queryStore(server.dbPath, "SELECT action FROM audit_log WHERE target_type = 'console_user' AND target_id = 'gina' ORDER BY id").map((row) => row.action),
      ['console_user.created', 'console_user.sessions_revoked', 'console_user.disabled'],
    );
    assert.equal((await post(admin, '/console/users/nobody/disable')).status, 404);
  });

  it('enforces the role matrix: a viewer gets 403 on every action, an operator on the admin-only ones; nothing stored changes', async () => {
    const [endpoint] = queryStore(server.dbPath, "SELECT id FROM endpoints WHERE surface = 'admin'");
    const [delivery] = queryStore(server.dbPath, 'SELECT id, endpoint_id FROM deliveries LIMIT 1');
    const adminOnly: [string, Record<string, string>][] = [
      ['/console/tenants', { name: 'Nope' }],
      [`/console/tenants/${tenant.id}/keys`, { label: 'nope' }],
      [`/console/tenants/${tenant.id}/keys/0123456789abcdef/revoke`, {}],
      [`/console/tenants/${tenant.id}/partners`, { name: 'Nope' }],
      [`/console/tenants/${tenant.id}/portal`, {}],
      [`/console/tenants/${tenant.id}/portal/revoke`, {}],
      ['/console/users', { name: 'nope', role: 'admin', password: 'a-long-password-1' }],
      [`/console/users/${VIEWER.user}/disable`, {}],
      [`/console/users/${VIEWER.user}/revoke-sessions`, {}],
    ];
    const operatorActions: [string, Record<string, string>][] = [
      [`/console/tenants/${tenant.id}/endpoints`, { surface: 'admin', url: `${receiver.url}/nope`, events: 'invoice.created' }],
      [`/console/endpoints/${endpoint.id}/edit`, { url: `${receiver.url}/nope`, events: 'invoice.created' }],
      [`/console/endpoints/${endpoint.id}/disable`, {}],
      [`/console/endpoints/${endpoint.id}/enable`, {}],
      [`/console/endpoints/${endpoint.id}/delete`, { confirm: 'delete' }],
      [`/console/endpoints/${endpoint.id}/rotate-secret`, { confirm: 'rotate' }],
      [`/console/endpoints/${endpoint.id}/test`, {}],
      [`/console/endpoints/${endpoint.id}/recover`, { since: '2000-01-01T00:00', until: '', status: 'all', confirm: 'recover' }],
      [`/console/endpoints/${delivery.endpoint_id}/deliveries/${delivery.id}/retry`, {}],
    ];
    const before = storeSnapshot();
    const deliveriesBefore = JSON.stringify(queryStore(server.dbPath, 'SELECT id, status, attempt_count FROM deliveries ORDER BY id'));
    for (const [path, form] of [...adminOnly, ...operatorActions]) {
      const response = await post(viewer, path, form);
      assert.equal(response.status, 403, `viewer POST ${path}`);
      assert.match(response.html, /needs the (operator|admin) role/);
    }
    for (const [path, form] of adminOnly) assert.equal((await post(operator, path, form)).status, 403, `operator POST ${path}`);
    for (const path of [
      '/console/users',
      `/console/tenants/${tenant.id}/endpoints/new?surface=admin`,
      `/console/endpoints/${endpoint.id}/edit`,
      `/console/endpoints/${endpoint.id}/recover`,
    ]) {
      assert.equal((await viewer.get(path)).status, 403, `viewer GET ${path}`);
    }
    assert.equal((await operator.get('/console/users')).status, 403);
    assert.equal(storeSnapshot(), before);
    assert.equal(JSON.stringify(queryStore(server.dbPath, 'SELECT id, status, attempt_count FROM deliveries ORDER BY id')), deliveriesBefore);

    const viewerTenant = await viewer.get(`/console/tenants/${tenant.id}`);
    assert.ok(!viewerTenant.html.includes('Create API key') && !viewerTenant.html.includes('New Admin'), 'a viewer is not offered forms it may not post');
    const viewerEndpoint = await viewer.get(`/console/endpoints/${endpoint.id}`);
    assert.equal(viewerEndpoint.status, 200);
    for (const action of ['Send test event', 'Rotate secret…', 'Edit…', 'Delete…', 'Recover deliveries…'])
      assert.ok(!viewerEndpoint.html.includes(action), `a viewer is not offered ${action}`);
    assert.ok(!(await viewer.get(`/console/endpoints/${delivery.endpoint_id}/deliveries/${delivery.id}`)).html.includes('Retry now'));
    assert.ok((await operator.get(`/console/endpoints/${endpoint.id}`)).html.includes('Edit…'), 'an operator is');
    const operatorTenant = (await operator.get(`/console/tenants/${tenant.id}`)).html;
    assert.ok(!operatorTenant.includes('Create API key') && !operatorTenant.includes('Create portal link'), 'an operator is not offered the admin-only forms');
  });

  it('refuses every action without the session’s CSRF token (403), changing nothing', async () => {
    const [endpoint] = queryStore(server.dbPath, "SELECT id FROM endpoints WHERE surface = 'admin'");
    const before = storeSnapshot();
    for (const path of [
      '/console/tenants',
      `/console/tenants/${tenant.id}/keys`,
      `/console/tenants/${tenant.id}/partners`,
      `/console/tenants/${tenant.id}/portal`,
      `/console/tenants/${tenant.id}/portal/revoke`,
      `/console/tenants/${tenant.id}/endpoints`,
      `/console/endpoints/${endpoint.id}/edit`,
      `/console/endpoints/${endpoint.id}/delete`,
      `/console/endpoints/${endpoint.id}/recover`,
      '/console/users',
      `/console/users/${VIEWER.user}/disable`,
    ]) {
      assert.equal(
        (await admin.post(path, { name: 'x', label: 'x', surface: 'admin', confirm: 'delete', since: '2000-01-01T00:00', status: 'all' })).status,
        403,
        `no token: ${path}`,
      );
      assert.equal((await admin.post(path, { _csrf: 'forged', name: 'x', confirm: 'delete' })).status, 403, `wrong token: ${path}`);
    }
    assert.equal(storeSnapshot(), before);
  });
});
