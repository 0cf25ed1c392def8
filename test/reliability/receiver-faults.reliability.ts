import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { adminToken, bearer, call, createTenant, type RunningServer, startServer } from '../support/server.ts';
import { queryStore } from '../support/store.ts';
import { closedPort, type FaultyReceiver, hugeReceiver, resettingReceiver, silentReceiver, slowReceiver, statusReceiver, tricklingReceiver } from './support/faulty-receivers.ts';

const TIMEOUT_MS = 1500;
const ENDPOINT_CONCURRENCY = 2;

interface Case {
  name: string;
  url: string;
  errorClass: string | null;
  status: number | null;
  /** False for the cases that succeed or wait for Retry-After: no second attempt within the test. */
  retried: boolean;
}

// Node and Bun deliver through the same undici transport, over each runtime's own sockets and TLS.
for (const runtime of ['node', 'bun'] as const)
  describe(`receiver faults through the whole engine, on ${runtime}`, () => {
    let server: RunningServer;
    let ok: Receiver;
    let metadata: Receiver;
    const faulty: FaultyReceiver[] = [];
    const cases: Case[] = [];
    let tenant: { id: string; apiKey: string };
    const endpointOf = new Map<string, string>();

    const attemptsOf = (endpointId: string) =>
      queryStore(
        server.dbPath,
        'SELECT a.*, d.next_attempt_at, d.status AS delivery_status FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ? ORDER BY a.id',
        endpointId,
      );
    const addWebhook = async (tenantId: string, url: string) => {
      const created = await call(server, 'POST', '/api/v1/admin/webhooks', {
        headers: bearer(await adminToken()),
        body: { tenant_id: tenantId, url, events: ['invoice.created'] },
      });
      assert.equal(created.status, 201, created.text);
      return created.body.id as string;
    };
    const until = (condition: () => boolean, timeoutMs: number, what: string) => eventually(async () => (condition() ? true : undefined), timeoutMs, what, 100);

    before(async () => {
      ok = await startReceiver();
      metadata = await startReceiver();
      const add = async (name: string, receiver: FaultyReceiver | null, url: string, errorClass: string | null, status: number | null, retried = true) => {
        if (receiver) faulty.push(receiver);
        cases.push({ name, url, errorClass, status, retried });
      };
      const slow = await slowReceiver(TIMEOUT_MS * 4);
      await add('answers after the timeout', slow, slow.url, 'timeout', null);
      const silent = await silentReceiver();
      await add('never sends headers', silent, silent.url, 'timeout', null);
      const trickle = await tricklingReceiver(100);
      await add('trickles its body', trickle, trickle.url, 'timeout', null);
      const reset = await resettingReceiver();
      await add('resets the connection', reset, reset.url, 'connection', null);
      await add('refuses the connection', null, `http://127.0.0.1:${await closedPort()}/`, 'connection', null);
      const huge = await hugeReceiver(100 * 1024 * 1024);
      await add('sends a 100 MB body', huge, huge.url, null, 200, false);
      const redirect = await statusReceiver(302, { location: `${metadata.url}/latest/meta-data` });
      await add('redirects to a private address', redirect, redirect.url, 'http_status', 302);
      const limited = await statusReceiver(429, { 'retry-after': '120' });
      await add('answers 429 with Retry-After: 120', limited, limited.url, 'http_status', 429, false);
      const broken = await statusReceiver(500);
      await add('answers 500', broken, broken.url, 'http_status', 500);
      await add('has a name that does not resolve', null, 'http://does-not-exist.invalid/hook', 'dns', null);
      await add('speaks plain HTTP to an https URL', null, ok.url.replace('http:', 'https:'), 'tls', null);

      server = await startServer(
        {
          HOOKGATE_RETRY_SCHEDULE: '1,2,2',
          HOOKGATE_SWEEP_CRON: '* * * * * *',
          HOOKGATE_ATTEMPT_TIMEOUT_MS: String(TIMEOUT_MS),
          HOOKGATE_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
        },
        undefined,
        runtime,
      );
      tenant = await createTenant(server, 'Faults');
      for (const entry of cases) endpointOf.set(entry.name, await addWebhook(tenant.id, entry.url));
      endpointOf.set('healthy', await addWebhook(tenant.id, `${ok.url}/healthy`));
    });
    after(async () => {
      await server.stop();
      await Promise.all([ok.close(), metadata.close(), ...faulty.map((receiver) => receiver.close())]);
    });

    it('records each fault with its error class and retries it on schedule, while the healthy endpoint is served at once', async () => {
      const published = await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n: 1 } } });
      assert.equal(published.status, 202);
      assert.equal(published.body.deliveries, cases.length + 1);
      await ok.waitFor((received) => received.some((request) => request.path === '/healthy'), 10_000);

      const retried = cases.filter((entry) => entry.retried);
      await until(() => retried.every((entry) => attemptsOf(endpointOf.get(entry.name)!).length >= 2), 60_000, 'every retried fault has two attempts');
      await until(() => cases.every((entry) => attemptsOf(endpointOf.get(entry.name)!).length >= 1), 30_000, 'every fault has an attempt');
      const figures: string[] = [];
      for (const entry of cases) {
        const attempts = attemptsOf(endpointOf.get(entry.name)!);
        const [first, second] = attempts;
        assert.equal(first.error_class, entry.errorClass, `${entry.name}: ${first.error_message}`);
        assert.equal(first.status_code, entry.status, entry.name);
        figures.push(`${entry.name}=${first.error_class ?? 'ok'}/${first.duration_ms}ms`);
        if (!entry.retried) continue;
        // The schedule's first step is 1 s with ±20 % jitter, counted from the end of the first attempt.
        const firstEnded = first.started_at + first.duration_ms;
        assert.ok(second.started_at >= firstEnded + 800, `${entry.name}: retried ${second.started_at - firstEnded} ms after the first attempt`);
        assert.equal(second.attempt_number, 2);
      }
      console.log(`# receiver-faults (${runtime}): ${figures.join(' ')}`);

      const huge = faulty.find((receiver) => receiver.url === cases.find((entry) => entry.name === 'sends a 100 MB body')!.url)!;
      const [hugeAttempt] = attemptsOf(endpointOf.get('sends a 100 MB body')!);
      assert.equal(hugeAttempt.response_body.length, 4096, 'the kept body is capped');
      assert.ok(huge.bytesWritten < 16 * 1024 * 1024, `the engine stopped reading early (${huge.bytesWritten} bytes written)`);

      const [limited] = attemptsOf(endpointOf.get('answers 429 with Retry-After: 120')!);
      const limitedEnded = limited.started_at + limited.duration_ms;
      assert.equal(limited.delivery_status, 'pending');
      assert.ok(
        limited.next_attempt_at >= limitedEnded + 120_000 && limited.next_attempt_at <= limitedEnded + 121_000,
        `Retry-After honoured: next attempt ${limited.next_attempt_at - limitedEnded} ms after the 429`,
      );
      assert.equal(metadata.received.length, 0, 'the redirect was not followed');
    });

    it('keeps a hanging endpoint from delaying another endpoint’s deliveries (per-endpoint limiter)', async () => {
      const hanging = await silentReceiver();
      faulty.push(hanging);
      const other = await createTenant(server, 'Head of line');
      const hangingId = await addWebhook(other.id, hanging.url);
      await addWebhook(other.id, `${ok.url}/beside`);
      const events = Array.from({ length: 6 }, (_, n) => ({ type: 'invoice.created', data: { n } }));
      const published = await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: other.apiKey }, body: { events } });
      assert.equal(published.status, 202);

      await ok.waitFor((received) => received.filter((request) => request.path === '/beside').length === events.length, 10_000);
      const hangingAttempts = attemptsOf(hangingId).length;
      assert.ok(hangingAttempts < events.length, `all ${events.length} were delivered beside while the hanging endpoint had finished only ${hangingAttempts} attempts`);
      assert.ok(hanging.maxOpen <= ENDPOINT_CONCURRENCY, `at most ${ENDPOINT_CONCURRENCY} connections to the hanging endpoint (${hanging.maxOpen})`);
      console.log(`# head-of-line: ${events.length} delivered beside a hanging endpoint that had ${hangingAttempts} finished attempts and ${hanging.maxOpen} open connections`);
    });
  });
