import { describe, expect, it } from 'vitest';
import type { ChainView } from '../chain/view.js';
import type { Receipt } from '../codec/block.js';
import { CallQueue } from './call-queue.js';

/** A chain whose calls record their gas and what ran between them. */
function fakeChain(events: string[]) {
  return {
    head: { number: 7 },
    call: (_from: Uint8Array, to: Uint8Array, _input: Uint8Array, gasLimit?: number) => {
      events.push(`call ${to[0]} gas ${gasLimit}`);
      return { status: 0, gasUsed: gasLimit } as unknown as Receipt;
    },
  } as unknown as ChainView;
}

describe('CallQueue', () => {
  it('runs calls one at a time with its gas cap, letting due work run before each', async () => {
    const events: string[] = [];
    const calls = new CallQueue(fakeChain(events), 1_000_000);
    const done = [1, 2, 3].map((n) => calls.run(new Uint8Array(20), Uint8Array.of(n), new Uint8Array()));
    // Work that became due while the calls were queued (a consensus timer, a p2p message).
    setImmediate(() => events.push('timer'));
    const outcomes = await Promise.all(done);
    expect(events[0]).toBe('timer');
    expect(events.slice(1)).toEqual(['call 1 gas 1000000', 'call 2 gas 1000000', 'call 3 gas 1000000']);
    expect(outcomes.map((o) => o.blockNumber)).toEqual([7, 7, 7]);
    expect(calls.size).toBe(0);
  });
});
