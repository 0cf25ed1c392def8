import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from '../src/delivery/limiter.ts';

/** A job that runs until its test lets it finish (`tenant` defaults to the endpoint's own id). */
function heldJob(endpointId: string, started: string[], name: string, tenantId = endpointId) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    job: {
      endpointId,
      tenantId,
      run: () => {
        started.push(name);
        return done;
      },
    },
    finish: () => finish(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Lets every held job finish, then expects nothing left running or waiting. */
async function finishAll(limiter: Limiter, held: readonly { finish(): void }[]) {
  for (const { finish } of held) finish();
  await limiter.idle();
  assert.equal(limiter.size, 0);
}

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`);

describe('delivery limiter', () => {
  it('starts at most the per-endpoint limit of one endpoint’s jobs, and the next one when a slot frees', async () => {
    const limiter = new Limiter({ total: 10, perEndpoint: 2 });
    const started: string[] = [];
    const jobs = ['a1', 'a2', 'a3'].map((name) => heldJob('a', started, name));
    for (const { job } of jobs) limiter.submit(job);
    assert.deepEqual(started, ['a1', 'a2']);
    jobs[0]!.finish();
    await settle();
    assert.deepEqual(started, ['a1', 'a2', 'a3']);
    await finishAll(limiter, jobs);
  });

  it('a saturated endpoint’s waiting jobs never hold up another endpoint’s, within the overall limit', async () => {
    const limiter = new Limiter({ total: 3, perEndpoint: 1 });
    const started: string[] = [];
    const slow = ['a1', 'a2', 'a3'].map((name) => heldJob('a', started, name));
    const other = ['b1', 'c1', 'd1'].map((name) => heldJob(name[0]!, started, name));
    for (const { job } of [...slow, ...other]) limiter.submit(job);
    assert.deepEqual(started, ['a1', 'b1', 'c1'], 'a2 and a3 wait behind a1; b1 and c1 start at once; d1 waits for an overall slot');
    other[0]!.finish();
    await settle();
    assert.deepEqual(started, ['a1', 'b1', 'c1', 'd1']);
    await finishAll(limiter, [...slow, ...other]);
  });

  it('gives a free slot to the waiting endpoint with the fewest jobs running', async () => {
    const limiter = new Limiter({ total: 8, perEndpoint: 8 });
    const started: string[] = [];
    const a = names('a', 9).map((name) => heldJob('a', started, name, 'tenant'));
    const b = names('b', 2).map((name) => heldJob('b', started, name, 'tenant'));
    for (const { job } of [...a, ...b]) limiter.submit(job);
    assert.deepEqual(started, names('a', 7), 'a took every slot but the reserve (one) while it was alone');
    a[0]!.finish();
    await settle();
    assert.deepEqual(started.slice(7), ['b1'], 'b runs none, a six: b takes the freed slot; the reserve stays free');
    a[1]!.finish();
    await settle();
    assert.deepEqual(started.slice(8), ['b2'], 'b runs one, a five');
    a[2]!.finish();
    await settle();
    assert.deepEqual(started.slice(9), ['a8'], 'b has nothing left waiting');
    await finishAll(limiter, [...a, ...b]);
  });

  it('shares a batch submitted together between its endpoints, not first come, first served', () => {
    const limiter = new Limiter({ total: 8, perEndpoint: 8 });
    const started: string[] = [];
    limiter.together(() => {
      for (const name of names('a', 8)) limiter.submit(heldJob('a', started, name, 'tenant').job);
      for (const name of names('b', 8)) limiter.submit(heldJob('b', started, name, 'tenant').job);
    });
    assert.deepEqual(started, ['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4']);
    limiter.drain();
  });

  it('keeps a reserve of slots free: a tenant whose jobs all hang leaves room for the next tenant to start at once', async () => {
    const limiter = new Limiter({ total: 16, perEndpoint: 16 });
    assert.equal(limiter.reserve, 2);
    const started: string[] = [];
    // Tenant A's three endpoints, with far more work than slots; none of their jobs ever finishes here.
    const hanging = ['x', 'y', 'z'].flatMap((endpoint) => names(endpoint, 16).map((name) => heldJob(endpoint, started, name, 'A')));
    limiter.together(() => {
      for (const { job } of hanging) limiter.submit(job);
    });
    assert.equal(limiter.active, 14, 'A holds every slot but the reserve');
    const runningOf = (endpoint: string) => started.filter((name) => name.startsWith(endpoint)).length;
    assert.deepEqual(['x', 'y', 'z'].map(runningOf), [5, 5, 4], 'shared between its endpoints, fewest running first');

    const healthy = names('b', 4).map((name) => heldJob('b', started, name, 'B'));
    for (const { job } of healthy) limiter.submit(job);
    assert.deepEqual(started.slice(14), ['b1', 'b2'], 'B, within its share, starts at once in the reserve');
    healthy[0]!.finish();
    await settle();
    assert.deepEqual(started.slice(16), ['b3'], 'the slot B frees goes to B again, the tenant with the fewest running');
    await finishAll(limiter, [...hanging, ...healthy]);
  });

  it('shares slots between tenants, not endpoints: a tenant with many endpoints gets no more than one with one', async () => {
    const limiter = new Limiter({ total: 8, perEndpoint: 8 });
    const started: string[] = [];
    const many = ['p', 'q', 'r', 's'].flatMap((endpoint) => names(endpoint, 4).map((name) => heldJob(endpoint, started, name, 'A')));
    const one = names('b', 8).map((name) => heldJob('b', started, name, 'B'));
    // Both tenants wait before any slot is free.
    const blocker = names('z', 8).map((name) => heldJob('z', started, name, 'Z'));
    for (const { job } of blocker) limiter.submit(job);
    for (const { job } of [...many, ...one]) limiter.submit(job);
    for (const { finish } of blocker) finish();
    await settle();
    const after = started.slice(7).filter((name) => !name.startsWith('z'));
    const ofA = after.filter((name) => !name.startsWith('b')).length;
    const ofB = after.filter((name) => name.startsWith('b')).length;
    assert.ok(Math.abs(ofA - ofB) <= 1, `slots split evenly between the tenants (A ${ofA}, B ${ofB})`);
    await finishAll(limiter, [...many, ...one, ...blocker]);
  });

  it('bounds the backlog it takes on per endpoint and per tenant', () => {
    const limiter = new Limiter({ total: 4, perEndpoint: 2 });
    assert.equal(limiter.roomFor('a', 'A'), 4, 'an endpoint may hold two sets of its slots (running and waiting)');
    for (const name of names('a', 4)) limiter.submit(heldJob('a', [], name, 'A').job);
    assert.equal(limiter.roomFor('a', 'A'), 0);
    assert.deepEqual(limiter.full(), { endpoints: ['a'], tenants: [] });
    assert.equal(limiter.roomFor('b', 'A'), 4, 'tenant A, alone, may hold half the backlog (16 / 2)');
    assert.equal(limiter.roomFor('c', 'C'), 4, 'a newcomer has room, whatever A holds');
    assert.equal(limiter.room, 12);
    limiter.drain();
  });

  it('forgets an endpoint once nothing of it runs or waits, and drains what waits', async () => {
    const limiter = new Limiter({ total: 1, perEndpoint: 1 });
    const started: string[] = [];
    const first = heldJob('a', started, 'a1');
    limiter.submit(first.job);
    limiter.submit(heldJob('a', started, 'a2').job);
    limiter.submit(heldJob('b', started, 'b1').job);
    assert.deepEqual(
      limiter.drain().map((job) => job.endpointId),
      ['a', 'b'],
    );
    first.finish();
    await limiter.idle();
    assert.equal(limiter.size, 0);
    const internals = limiter as unknown as { endpoints: Map<string, unknown>; tenants: Map<string, unknown> };
    assert.equal(internals.endpoints.size, 0);
    assert.equal(internals.tenants.size, 0);
    const again = heldJob('b', started, 'b2');
    limiter.submit(again.job);
    assert.deepEqual(started, ['a1', 'b2']);
    again.finish();
    await limiter.idle();
  });
});
