import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logMatches } from './channels.js';

const A = `0x${'aa'.repeat(20)}`;
const B = `0x${'bb'.repeat(20)}`;
const t = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

describe('logMatches (geth filter rules)', () => {
  const log = { address: A, topics: [t(1), t(2)] };

  it('matches by address: any of the listed, or any when none is', () => {
    expect(logMatches({ addresses: [], topics: [] }, log)).toBe(true);
    expect(logMatches({ addresses: [B, A], topics: [] }, log)).toBe(true);
    expect(logMatches({ addresses: [B], topics: [] }, log)).toBe(false);
  });

  it('matches topics by position, with null wildcards and OR-lists', () => {
    expect(logMatches({ addresses: [], topics: [[t(1)]] }, log)).toBe(true);
    expect(logMatches({ addresses: [], topics: [null, [t(2)]] }, log)).toBe(true);
    expect(
      logMatches(
        {
          addresses: [],
          topics: [
            [t(3), t(1)],
            [t(9), t(2)],
          ],
        },
        log,
      ),
    ).toBe(true);
    expect(logMatches({ addresses: [], topics: [[t(2)]] }, log)).toBe(false);
    expect(logMatches({ addresses: [], topics: [null, []] }, log)).toBe(true);
  });

  it('does not match a log with fewer topics than the filter has positions', () => {
    expect(logMatches({ addresses: [], topics: [null, null, null] }, log)).toBe(false);
  });

  it('a log always matches the filter made of its own address and topics, and any prefix of them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), fc.nat(4), (topicIds, cut) => {
        const l = { address: A, topics: topicIds.map(t) };
        const own = l.topics.slice(0, Math.min(cut, l.topics.length)).map((x) => [x]);
        return logMatches({ addresses: [A], topics: own }, l);
      }),
    );
  });
});
