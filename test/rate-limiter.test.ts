import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRateLimiter } from '../src/lib/rate-limiter.ts';

describe('rate limiter (token bucket per caller)', () => {
  it('grants a full minute’s budget at once, then answers the whole seconds until the next token', () => {
    let now = 0;
    const limiter = createRateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) assert.equal(limiter.take('key:a'), 0);
    assert.equal(limiter.take('key:a'), 10, 'one token every 10 s at 6 per minute');
    now += 4_000;
    assert.equal(limiter.take('key:a'), 6);
    now += 6_000;
    assert.equal(limiter.take('key:a'), 0, 'refilled');
    assert.equal(limiter.take('key:a'), 10);
  });

  it('keeps one bucket per caller', () => {
    const limiter = createRateLimiter(1, () => 0);
    assert.equal(limiter.take('key:a'), 0);
    assert.ok(limiter.take('key:a') > 0);
    assert.equal(limiter.take('key:b'), 0);
  });

  it('never refills beyond the budget, and 0 turns the limit off', () => {
    let now = 0;
    const limiter = createRateLimiter(2, () => now);
    now += 3600_000;
    assert.equal(limiter.take('key:a'), 0);
    assert.equal(limiter.take('key:a'), 0);
    assert.ok(limiter.take('key:a') > 0);
    const off = createRateLimiter(0, () => 0);
    for (let i = 0; i < 10_000; i++) assert.equal(off.take('key:a'), 0);
  });
});
