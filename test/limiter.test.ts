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
    jobs[1]!.finish();
    jobs[2]!.finish();
    await limiter.idle();
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
    for (const { finish } of [...slow, ...other]) finish();
    await limiter.idle();
    assert.equal(limiter.size, 0);
  });
});
