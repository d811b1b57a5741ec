import { describe, expect, it } from 'vitest';
import { NODE_DEFAULTS } from '../config/defaults.js';
import { proposalTimeProblem, recoveringSafetyState } from './pbft.js';

describe('PBFT engine: checks of a fresh proposal against this node', () => {
  const at = { view: 2, now: 1_700_000_000_000, maxClockDriftMs: NODE_DEFAULTS.consensus.maxClockDriftMs };

  it('accepts a proposal of the current or an earlier view (a re-proposal) within the drift', () => {
    expect(proposalTimeProblem({ view: 2, timestamp: at.now }, at)).toBeNull();
    expect(proposalTimeProblem({ view: 0, timestamp: at.now + at.maxClockDriftMs }, at)).toBeNull();
  });

  it('refuses a view beyond the current one (a byzantine leader once got view 12345 accepted)', () => {
    expect(proposalTimeProblem({ view: 12345, timestamp: at.now }, at)).toMatch(
      /names view 12345, beyond the current view 2/,
    );
  });

  it('refuses a timestamp too far ahead of the local clock (2^53-1 once stuck on the chain)', () => {
    expect(proposalTimeProblem({ view: 2, timestamp: Number.MAX_SAFE_INTEGER }, at)).toMatch(
      /ahead of this node's clock/,
    );
    expect(proposalTimeProblem({ view: 2, timestamp: at.now + at.maxClockDriftMs + 1 }, at)).toMatch(
      /at most 30000 allowed/,
    );
  });

  it('takes the drift from the node config (consensus.maxClockDriftMs), not a constant', () => {
    expect(NODE_DEFAULTS.consensus.maxClockDriftMs).toBe(30_000);
    const tight = { ...at, maxClockDriftMs: 1000 };
    expect(proposalTimeProblem({ view: 2, timestamp: at.now + 1000 }, tight)).toBeNull();
    expect(proposalTimeProblem({ view: 2, timestamp: at.now + 1001 }, tight)).toMatch(/at most 1000 allowed/);
  });
});

describe('PBFT engine: a missing safety file', () => {
  it('is nothing to recover on a fresh chain; beside blocks, the node sits the next height out', () => {
    expect(recoveringSafetyState(0)).toBeUndefined();
    const warned: unknown[] = [];
    const s = recoveringSafetyState(41, { warn: (o: unknown) => warned.push(o) } as never);
    // One height ahead of the next height (42): every vote at 42 is refused, voting resumes at 43.
    expect(s).toMatchObject({ height: 43, view: 0, prepareVote: null, commitVote: null });
    expect(warned).toHaveLength(1);
  });
});
