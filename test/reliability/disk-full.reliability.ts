import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { adminToken, bearer, call, createAs2Partner, createTenant, type JsonResponse, type RunningServer, startServer, token } from '../support/server.ts';
import { errorShapeProblem, formatOfPath } from './support/error-shapes.ts';

/**
 * A real full disk: the server's data folder is a small tmpfs, filled by a file written until
 * ENOSPC and freed by deleting that file. Mounting needs root (or CAP_SYS_ADMIN), as in CI.
 */
const DISK_MB = 8;
const disk = mkdtempSync(join(tmpdir(), 'hookgate-disk-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', disk], { encoding: 'utf8' });
const skip = mounted.status === 0 ? false : `cannot mount a ${DISK_MB} MB tmpfs to fill (${(mounted.stderr || String(mounted.error)).trim()}): run as root`;

function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('a full disk: 503 with Retry-After in each surface’s format, not ready until a write succeeds, nothing accepted lost', { skip }, () => {
  let receiver: Receiver;
  let server: RunningServer | undefined;
  const filler = join(disk, 'filler');

  /** The receiver fails every delivery until the disk is freed, so retries fall due while it is full. */
  let healthy = false;
  const delivered = new Set<string>();
  before(async () => {
    receiver = await startReceiver((request, res) => {
      if (healthy) delivered.add(`${request.path} ${request.json?.event_id}`);
      res.writeHead(healthy ? 200 : 500).end();
    });
  });
  after(async () => {
    await server?.stop();
    await receiver.close();
    spawnSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  it('refuses writes with 503 while the disk is full, reports not ready, and delivers every accepted event once space is back', async () => {
    const started = Date.now();
    server = await startServer({ HOOKGATE_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1,1,1', HOOKGATE_SWEEP_CRON: '* * * * * *', HOOKGATE_ATTEMPT_TIMEOUT_MS: '2000' }, disk);
    const target = server;
    const admin = bearer(await adminToken());
    const tenant = await createTenant(target, 'Full disk');
    const spare = await createTenant(target, 'Spare');
    const partner = await createAs2Partner(target, tenant.id, 'Partner');
    const subscriber = bearer(await token({ sub: 'svc-disk', tenantId: tenant.id }));
    assert.equal((await call(target, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/sponsor` } })).status, 201);
    const adminHook = await call(target, 'POST', '/api/v1/admin/webhooks', {
      headers: admin,
      body: { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['invoice.created'] },
    });
    assert.equal(adminHook.status, 201);

    const accepted = new Set<string>();
    const statuses: number[] = [];
    let sequence = 0;
    const publish = async (count: number) => {
      const events = Array.from({ length: count }, () => ({ type: 'invoice.created', data: { n: sequence++, padding: 'x'.repeat(2000) } }));
      const response = await call(target, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } });
      statuses.push(response.status);
      if (response.status === 202) for (const event of response.body.events) accepted.add(event.event_id);
      return response;
    };
    assert.equal((await publish(20)).status, 202);
    assert.deepEqual((await call(target, 'GET', '/ready')).body, { status: 'ready' });

    const filled = fillDisk(filler);
    // The database's WAL may still have room for a few writes: publish until the store refuses one.
    let refused: JsonResponse | undefined;
    for (let tries = 0; tries < 200 && !refused; tries++) {
      const response = await publish(20);
      if (response.status !== 202) refused = response;
    }
    assert.ok(refused, 'the store refused a write once the disk was full');
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.headers.get('retry-after'), '30');
    assert.equal(errorShapeProblem('fastapi', refused), null);

    const notReady = await call(target, 'GET', '/ready');
    assert.equal(notReady.status, 503);
    assert.equal(notReady.body.status, 'unavailable');
    assert.match(notReady.body.reason, /^store cannot take writes: SQLITE_(FULL|IOERR)/);
    assert.deepEqual((await call(target, 'GET', '/health')).body, { status: 'ok' }, 'the process is alive');

    // A write on every surface: 503 with Retry-After, each in its own error format.
    const writes: [string, string, Record<string, string>, unknown][] = [
      ['/api/v1/events', 'ingestion', { authorization: tenant.apiKey }, { type: 'invoice.created', data: {} }],
      ['/api/webhooks', 'sponsor (page 000)', { authorization: spare.apiKey }, { url: `${receiver.url}/spare` }],
      ['/api/v1/admin/webhooks', 'admin (page 001)', admin, { tenant_id: tenant.id, url: `${receiver.url}/more`, events: ['invoice.created'] }],
      [
        '/subscription-management',
        'subscriptions (page 002)',
        subscriber,
        { notificationUrl: `${receiver.url}/sub`, eventType: 'INVOICE_STATUS_CHANGED', authentication: { method: 'API_KEY', headerName: 'X-Key', key: 'k'.repeat(40) } },
      ],
      [
        '/api/v1/webhooks/configure',
        'AS2 (page 003)',
        { 'x-api-key': tenant.apiKey },
        { socio_id: partner, webhook_url: `${receiver.url}/as2`, webhook_secret: 'as2-shared-secret' },
      ],
    ];
    for (const [path, surface, headers, body] of writes) {
      const response = await call(target, 'POST', path, { headers, body });
      statuses.push(response.status);
      assert.equal(response.status, 503, `${surface}: ${response.text}`);
      assert.equal(response.headers.get('retry-after'), '30', surface);
      assert.equal(errorShapeProblem(formatOfPath(path), response), null, `${surface}: ${response.text}`);
    }
    assert.equal((await call(target, 'GET', '/ready')).status, 503, 'still not ready while the disk is full');

    await new Promise((resolve) => setTimeout(resolve, 3000)); // sweeps and retries run against the full disk
    unlinkSync(filler);
    const freedAt = Date.now();
    const ready = await eventually(
      async () => {
        const answered = await call(target, 'GET', '/ready');
        return answered.status === 200 ? answered : undefined;
      },
      10_000,
      'ready again once space is back',
      100,
    );
    assert.deepEqual(ready.body, { status: 'ready' }, 'ready again once a write succeeds');
    const readyAfterMs = Date.now() - freedAt;
    assert.equal((await publish(20)).status, 202, 'accepts events again');
    healthy = true;

    const owed = () => ['/sponsor', '/admin'].flatMap((path) => [...accepted].filter((id) => !delivered.has(`${path} ${id}`)));
    await receiver
      .waitFor(() => owed().length === 0, 90_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}: ${owed().length} of ${accepted.size * 2} deliveries missing`);
      });
    assert.equal(target.process.exitCode, null, 'the server kept running');
    const failedWrites = target.logs.filter((line) => /"msg":"(sweep failed|attempt crashed|store write failed)"/.test(line)).length;
    assert.ok(!statuses.some((status) => status >= 500 && status !== 503), `no other 5xx: ${[...new Set(statuses)].join(',')}`);
    console.log(
      `# disk-full: tmpfs=${DISK_MB}MB filler_bytes=${filled} events_accepted=${accepted.size} deliveries_owed=${accepted.size * 2} lost=0 ` +
        `publish_statuses=${[...new Set(statuses)].sort().join(',')} failed_writes_logged=${failedWrites} ready_after_free_ms=${readyAfterMs} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    );
  });
});
