import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertAuditEntry } from '../src/db/repo/audit-log.ts';
import type { HostStore } from '../src/db/store.ts';
import type { RunningEngine } from '../src/delivery/engine/index.ts';
import { publishEvents } from '../src/domain/publish.ts';
import { createTenantWithKey } from '../src/domain/tenants.ts';
import { signingSecretOf } from '../src/lib/cipher.ts';
import type { Services } from '../src/services.ts';
import { type InProcessEngine, startEngine, sweepAndWait } from './support/engine.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';

/**
 * The retry schedule driven by an injected clock: the engine runs in-process over a real SQLite file
 * and a real receiver, and time moves only when the test says so.
 */
describe('retry schedule over an injected clock', () => {
  const DAY = 86_400_000;
  let now = Date.parse('2026-01-05T09:00:00Z');
  let store: HostStore;
  let engine: RunningEngine;
  let services: Services;
  let receiver: Receiver;
  let tenantId: string;
  let endpointId: string;
  let running: InProcessEngine;

  before(async () => {
    receiver = await startReceiver(answer(500, 'nope'));
    running = await startEngine(() => now);
    ({ store, engine, services } = running);
    const { cipher } = running;
    const { tenant } = await createTenantWithKey(store.db, { name: 'Clocked', partnerOrgId: null, now });
    tenantId = tenant.id;
    endpointId = 'webhook_clocked';
    await store.db
      .insertInto('endpoints')
      .values({
        id: endpointId,
        tenant_id: tenantId,
        surface: 'sponsor',
        url: `${receiver.url}/hook`,
        secret_enc: await cipher.encrypt('a'.repeat(64), signingSecretOf(endpointId)),
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  after(async () => {
    await running.close();
    await receiver.close();
  });

  const delivery = async (eventId: string) => store.db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).executeTakeFirstOrThrow();

  it('attempts at 0 s, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20 %), then fails', async () => {
    const [published] = await publishEvents(services, [{ tenantId, type: 'invoice.created', data: {} }], { dispatch: false });
    const eventId = published!.event_id;
    const schedule = [5, 300, 1800, 7200, 18000, 36000, 36000];

    assert.equal((await sweepAndWait(engine)).claimed, 1, 'due at once');
    for (const [index, seconds] of schedule.entries()) {
      const row = await delivery(eventId);
      assert.equal(row.status, 'pending');
      assert.equal(row.attempt_count, index + 1);
      const wait = row.next_attempt_at! - now;
      assert.ok(wait >= seconds * 800 && wait <= seconds * 1200, `retry ${index + 1} waits ${wait} ms, scheduled ${seconds} s ±20 %`);
      now += Math.floor(wait / 2);
      assert.equal((await sweepAndWait(engine)).claimed, 0, `nothing is due halfway to retry ${index + 1}`);
      now = row.next_attempt_at!;
      assert.equal((await sweepAndWait(engine)).claimed, 1, `retry ${index + 1} is due on time`);
    }
    const last = await delivery(eventId);
    assert.equal(last.status, 'failed');
    assert.equal(last.attempt_count, 8);
    assert.equal(last.next_attempt_at, null);
    now += DAY;
    assert.equal((await sweepAndWait(engine)).claimed, 0, 'a failed delivery is never swept again');
  });

  it('honours Retry-After on a 429 beyond the scheduled delay', async () => {
    receiver.respond = answer(429, 'slow down', { 'retry-after': '120' });
    const [published] = await publishEvents(services, [{ tenantId, type: 'invoice.paid', data: {} }], { dispatch: false });
    await sweepAndWait(engine);
    const row = await delivery(published!.event_id);
    assert.equal(row.last_status_code, 429);
    assert.equal(row.next_attempt_at! - now, 120_000);
  });

  it('disables an endpoint that has failed every attempt for 5 days, with a reason', async () => {
    receiver.respond = answer(500, 'still down');
    const endpoint = () => store.db.selectFrom('endpoints').selectAll().where('id', '=', endpointId).executeTakeFirstOrThrow();
    assert.ok((await endpoint()).failing_since !== null, 'the failing streak started with the first failure');
    now = (await endpoint()).failing_since! + 5 * DAY;
    const [published] = await publishEvents(services, [{ tenantId, type: 'invoice.paid', data: {} }], { dispatch: false });
    await sweepAndWait(engine);
    const disabled = await endpoint();
    assert.equal(disabled.enabled, 0);
    assert.match(disabled.disabled_reason!, /^Every delivery attempt failed since /);
    const [later] = await publishEvents(services, [{ tenantId, type: 'invoice.paid', data: {} }], { dispatch: false });
    assert.equal(later!.deliveries, 0, 'a disabled endpoint takes no new events');
    assert.equal((await delivery(published!.event_id)).status, 'pending', 'the delivery that tripped it still follows its schedule');
  });

  it('fails pending deliveries of a disabled endpoint without attempting them', async () => {
    const attemptsBefore = receiver.received.length;
    now += DAY;
    await sweepAndWait(engine);
    const pending = await store.db.selectFrom('deliveries').select(['status', 'last_error']).where('status', '=', 'pending').execute();
    assert.equal(pending.length, 0);
    assert.equal(receiver.received.length, attemptsBefore, 'no request was sent');
    const failed = await store.db.selectFrom('deliveries').select('last_error').where('last_error', 'like', 'endpoint disabled%').execute();
    assert.ok(failed.length >= 1);
  });

  it('prunes finished history and audit log entries older than the retention period, and keeps the rest', async () => {
    const count = async () =>
      Number(
        (
          await store.db
            .selectFrom('events')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    assert.ok((await count()) > 0);
    const audited = (action: string) =>
      insertAuditEntry(store.db, { created_at: now, actor_kind: 'token', actor: 'ops', action, target_type: 'tenant', target_id: tenantId, tenant_id: tenantId });
    await audited('tenant.old_change');
    now += 31 * DAY;
    await audited('tenant.recent_change');
    const [recent] = await publishEvents(services, [{ tenantId, type: 'invoice.created', data: {} }], { dispatch: false });
    const report = await sweepAndWait(engine);
    assert.ok(report.pruned > 0);
    const left = await store.db.selectFrom('events').select('id').execute();
    assert.deepEqual(
      left.map((row) => row.id),
      [recent!.event_id],
    );
    assert.deepEqual(
      (await store.db.selectFrom('audit_log').select('action').execute()).map((row) => row.action),
      ['tenant.recent_change'],
    );
    assert.equal(
      Number(
        (
          await store.db
            .selectFrom('attempts')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      0,
    );
  });
});
