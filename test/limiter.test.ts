import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from '../src/delivery/limiter.ts';

/** A job that runs until its test lets it finish. */
function heldJob(endpointId: string, started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    job: {
      endpointId,
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

describe('delivery limiter', () => {
  it('starts at most the per-endpoint limit of one endpoint’s jobs, and the next one when a slot frees', async () => {
    const limiter = new Limiter(10, 2);
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
    const limiter = new Limiter(3, 1);
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

  it('gives a free overall slot to the waiting endpoint with the fewest jobs running', async () => {
    const limiter = new Limiter(4, 4);
    const started: string[] = [];
    const a = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((name) => heldJob('a', started, name));
    const b = ['b1', 'b2'].map((name) => heldJob('b', started, name));
    for (const { job } of [...a, ...b]) limiter.submit(job);
    assert.deepEqual(started, ['a1', 'a2', 'a3', 'a4'], 'a took every overall slot while it was alone');
    a[0]!.finish();
    await settle();
    assert.deepEqual(started.slice(4), ['b1'], 'b has none running, a three');
    a[1]!.finish();
    await settle();
    assert.deepEqual(started.slice(5), ['b2'], 'b has one running, a two');
    a[2]!.finish();
    await settle();
    assert.deepEqual(started.slice(6), ['a5'], 'b has nothing left waiting');
    await finishAll(limiter, [...a, ...b]);
  });

  it('forgets an endpoint once nothing of it runs or waits, and drains what waits', async () => {
    const limiter = new Limiter(1, 1);
    const started: string[] = [];
    const first = heldJob('a', started, 'a1');
    limiter.submit(first.job);
    limiter.submit(heldJob('a', started, 'a2').job);
    limiter.submit(heldJob('b', started, 'b1').job);
    assert.deepEqual(limiter.drain().map((job) => job.endpointId), ['a', 'b']);
    first.finish();
    await limiter.idle();
    assert.equal(limiter.size, 0);
    assert.equal((limiter as unknown as { endpoints: Map<string, unknown> }).endpoints.size, 0);
    const again = heldJob('b', started, 'b2');
    limiter.submit(again.job);
    assert.deepEqual(started, ['a1', 'b2']);
    again.finish();
    await limiter.idle();
  });
});
