import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { formatTable } from '../src/cli/table.ts';
import { CLI, runCli, runMain } from './support/cli.ts';
import { eventually } from './support/eventually.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';
import { CHILD_ENV, call, createTenant, type RunningServer, startServer } from './support/server.ts';

describe('hookgate deliveries list|show|retry and tail, against a running server’s store', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let tenant: { id: string; apiKey: string };
  let deliveryId: number;
  /**
   * Runs the CLI asynchronously (the receiver lives in this process and must keep answering
   * meanwhile), with the server's store and secrets but not its permission to reach private
   * addresses: an attempt made by the CLI itself would fail as blocked_address.
   */
  const run = (...args: string[]) => {
    const { HOOKGATE_ALLOW_PRIVATE_TARGETS: _, ...cliEnv } = server.env;
    return runCli(args, { env: { ...cliEnv, LOG_LEVEL: 'error' } });
  };

  before(async () => {
    receiver = await startReceiver(answer(500, 'down'));
    // One retry, an hour after the first failure: until then the delivery waits, untouched by the sweeper.
    server = await startServer({ HOOKGATE_RETRY_SCHEDULE: '3600', HOOKGATE_SWEEP_CRON: '* * * * * *' });
    tenant = await createTenant(server, 'CLI');
    await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/cli` } });
    const published = await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.paid', data: { invoice_id: 'inv_cli' } } });
    assert.equal(published.status, 202);
    await receiver.waitFor((received) => received.length === 1);
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('lists a tenant’s deliveries by status as JSON', async () => {
    // The attempt is recorded just after the receiver answered.
    const listed = await eventually(
      async () => {
        const result = await run('deliveries', 'list', '--tenant', tenant.id, '--status', 'pending');
        return result.json?.items[0]?.attempt_count === 1 ? result : undefined;
      },
      30_000,
      'the first attempt is recorded',
      100,
    );
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.json.total, 1);
    const [item] = listed.json.items;
    assert.equal(item.status, 'pending');
    assert.equal(item.surface, 'sponsor');
    assert.equal(item.last_status_code, 500);
    assert.equal(item.event_type, 'invoice.paid');
    deliveryId = item.id;
    assert.deepEqual((await run('deliveries', 'list', '--tenant', tenant.id, '--status', 'succeeded')).json.items, []);
  });

  it('shows a delivery with its payload and attempts', async () => {
    const shown = await run('deliveries', 'show', String(deliveryId));
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.json.id, deliveryId);
    assert.equal(shown.json.payload.data.invoice_id, 'inv_cli');
    assert.equal(shown.json.attempts.length, 1);
    assert.equal(shown.json.attempts[0].status_code, 500);
    assert.equal(shown.json.attempts[0].response_body, 'down');
  });

  it('retries by making the delivery due now for the server, which attempts it; --wait waits for the outcome; tail follows both', async () => {
    const tail = spawn(process.execPath, [CLI, 'tail', '--tenant', tenant.id, '--count', '2', '--interval', '100'], {
      env: { ...CHILD_ENV, ...server.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tailed = '';
    tail.stdout.on('data', (chunk: Buffer) => {
      tailed += chunk.toString();
    });
    const tailExit = new Promise<number | null>((resolve) => tail.once('exit', resolve));
    // tail starts from the newest attempt at launch, and says nothing when it has read it: a fixed wait.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    try {
      const failed = await run('deliveries', 'retry', String(deliveryId), '--wait');
      assert.equal(failed.code, 1, failed.stdout + failed.stderr);
      assert.deepEqual([failed.json.attempt_number, failed.json.succeeded, failed.json.status_code], [2, false, 500], failed.stdout);
      const shown = (await run('deliveries', 'show', String(deliveryId))).json;
      assert.equal(shown.status, 'failed', 'its schedule was used up: failed, not pending for another hour');
      assert.equal(shown.attempts[1].trigger, 'sweep', 'the server attempted it');

      receiver.respond = answer(200, 'ok');
      const before = Date.now();
      const scheduled = await run('deliveries', 'retry', String(deliveryId));
      assert.equal(scheduled.code, 0, scheduled.stdout + scheduled.stderr);
      assert.equal(scheduled.json.delivery_id, deliveryId);
      assert.equal(scheduled.json.status, 'pending');
      assert.ok(Date.parse(scheduled.json.next_attempt_at) <= Date.now() && Date.parse(scheduled.json.next_attempt_at) >= before - 1000, 'due now');
      const delivered = await eventually(
        async () => {
          const result = await run('deliveries', 'show', String(deliveryId));
          return result.json.status === 'succeeded' ? result : undefined;
        },
        30_000,
        'the server delivers it',
        200,
      );
      assert.equal(delivered.json.status, 'succeeded', 'the server delivered it, from its own environment');
      assert.equal(delivered.json.attempts.length, 3);
      const timer = setTimeout(() => tail.kill(), 20_000);
      assert.equal(await tailExit, 0);
      clearTimeout(timer);
    } finally {
      if (tail.exitCode === null) tail.kill();
    }
    const lines = tailed
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((line) => [line.delivery_id, line.attempt, line.trigger, line.outcome, line.status]),
      [
        [deliveryId, 2, 'sweep', 'failed', 500],
        [deliveryId, 3, 'sweep', 'succeeded', 200],
      ],
    );
    assert.ok(!tailed.includes('inv_cli'), 'tail never prints payloads');
  });

  it('does not retry a delivery of a disabled endpoint, and says so', async () => {
    const endpointId = (await run('deliveries', 'show', String(deliveryId))).json.endpoint_id;
    const db = new Database(server.dbPath);
    db.prepare("UPDATE endpoints SET enabled = 0, disabled_reason = 'gone' WHERE id = ?").run(endpointId);
    db.close();
    const refused = await run('deliveries', 'retry', String(deliveryId));
    assert.equal(refused.code, 1);
    assert.match(JSON.parse(refused.stderr).error, /endpoint .* is disabled \(gone\): enable it before retrying/);
    assert.equal((await run('deliveries', 'show', String(deliveryId))).json.status, 'succeeded', 'left as it was');
  });

  it('answers usage errors with exit 2 and a JSON error', async () => {
    const missing = await run('deliveries', 'show', '999999');
    assert.equal(missing.code, 2);
    assert.match(JSON.parse(missing.stderr).error, /does not exist/);
    assert.equal((await run('deliveries', 'list', '--status', 'lost')).code, 2);
    assert.equal((await run('deliveries', 'retry', 'abc')).code, 2);
  });

  it('has --help for every command', async () => {
    // In-process: main() is what bin/hookgate.js runs; spawning a process per command would be slow.
    const help = await runMain(['--help']);
    assert.equal(help.code, 0);
    const commands = [...help.stdout.matchAll(/^ {2}(\S+(?: [a-z]\S*)?) {2,}/gm)].map((match) => match[1]!);
    for (const expected of ['deliveries list', 'deliveries show', 'deliveries retry', 'tail', 'events send', 'tenant create']) assert.ok(commands.includes(expected), expected);
    for (const command of commands) {
      const result = await runMain([...command.split(' '), '--help']);
      assert.equal(result.code, 0, command);
      assert.match(result.stdout, new RegExp(`^Usage: hookgate ${command}`), command);
    }
    assert.equal((await runMain(['no-such-command'])).code, 2);
  });
});

describe('terminal tables', () => {
  it('pads columns under upper-case headers and shows missing values as -', () => {
    assert.equal(
      formatTable(
        [
          { id: 1, status: 'failed', code: 500 },
          { id: 22, status: 'succeeded', code: null },
        ],
        ['id', 'status', 'code'],
      ),
      'ID  STATUS     CODE\n1   failed     500\n22  succeeded  -\n',
    );
    assert.equal(formatTable([], ['id']), '(none)\n');
  });
});
