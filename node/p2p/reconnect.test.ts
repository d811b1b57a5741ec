import { describe, expect, it } from 'vitest';
import { backoffDelay } from './reconnect.js';

describe('redial backoff', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000 };

  it('doubles from the initial delay up to the cap', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, opts, mid))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters by at most 10 %', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(90);
    expect(backoffDelay(1, opts, () => 0.999999)).toBe(110);
    expect(backoffDelay(9, opts, () => 0.999999)).toBe(1100);
  });
});
