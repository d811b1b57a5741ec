import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hexKey } from '../../node/codec/hex.js';
import {
  advanceHeight,
  decodeSafetyState,
  encodeSafetyState,
  enterView,
  initialSafetyState,
  voteCommit,
  votePrepare,
  voteProposal,
  voteViewChange,
  type Grant,
  type ProposalJustification,
  type SafetyState,
  type Vote,
} from './safety.js';
import type { PreparedCertificate } from './messages.js';

const H = 7;
const A = new Uint8Array(32).fill(0xaa);
const B = new Uint8Array(32).fill(0xbb);
const HASHES = [A, B];
const VIEWS = [0, 1, 2];
const cert = (view: number, hash: Uint8Array): PreparedCertificate => ({
  view,
  hash,
  signatures: [
    [0, new Uint8Array(65)],
    [1, new Uint8Array(65)],
    [2, new Uint8Array(65)],
  ],
});
const payloadOf = (hash: Uint8Array): Uint8Array => Uint8Array.from([hash[0]]);
const votesOf = (): Array<Vote | null> => [null, ...VIEWS.flatMap((view) => HASHES.map((hash) => ({ view, hash })))];

/**
 * Every state over a small domain (views 0..2, hashes A/B, height H), the prepared
 * certificate being either absent or the one the last commit vote recorded.
 */
function* allStates(): Generator<SafetyState> {
  for (const view of VIEWS) {
    for (const proposal of votesOf()) {
      for (const prepareVote of votesOf()) {
        for (const commitVote of votesOf()) {
          for (const prepared of commitVote ? [null, commitVote] : [null]) {
            yield {
              height: H,
              view,
              proposal,
              prepareVote,
              commitVote,
              prepared: prepared ? cert(prepared.view, prepared.hash) : null,
              preparedPayload: prepared ? payloadOf(prepared.hash) : null,
            };
          }
        }
      }
    }
  }
}

const justifications: ProposalJustification[] = [
  null,
  { highest: null },
  { highest: { view: 0, hash: A } },
  { highest: { view: 1, hash: B } },
];
const _granted = (g: Grant): SafetyState => {
  if (!g.ok) throw new Error(`expected a grant, got: ${g.reason}`);
  return g.state;
};
const same = (a: Uint8Array, b: Uint8Array): boolean => hexKey(a) === hexKey(b);

describe('safety rules, exhaustively over small states', () => {
  it('never votes at another height', () => {
    for (const s of allStates()) {
      for (const h of [H - 1, H + 1]) {
        expect(votePrepare(s, h, s.view, A, s.view === 0 ? null : { highest: null }).ok).toBe(false);
        expect(voteCommit(s, h, cert(s.view, A), payloadOf(A)).ok).toBe(false);
        expect(voteViewChange(s, h, s.view + 1).ok).toBe(false);
        expect(enterView(s, h, s.view).ok).toBe(false);
        expect(voteProposal(s, h, s.view, A).ok).toBe(false);
      }
    }
  });

  it('prepares only in the current view, one hash per view, as the proof obliges', () => {
    for (const s of allStates()) {
      for (const view of VIEWS) {
        for (const hash of HASHES) {
          for (const j of justifications) {
            const g = votePrepare(s, H, view, hash, j);
            const already = s.prepareVote && s.prepareVote.view === view;
            const justified =
              view === 0 ? j === null : j !== null && (j.highest === null || same(j.highest.hash, hash));
            const expected = view === s.view && (already ? same(s.prepareVote!.hash, hash) : justified);
            if (g.ok !== expected)
              expect.fail(
                `votePrepare(${JSON.stringify({ view, hash: hash[0], j })}) on ${JSON.stringify(s)} gave ${g.ok}`,
              );
            if (g.ok)
              expect(
                g.state.prepareVote!.view === view && same(g.state.prepareVote!.hash, hash) && g.state.view === s.view,
              ).toBe(true);
          }
        }
      }
    }
  });

  it('commits only what it prepared in the current view, once per view, recording the certificate', () => {
    for (const s of allStates()) {
      for (const view of VIEWS) {
        for (const hash of HASHES) {
          const g = voteCommit(s, H, cert(view, hash), payloadOf(hash));
          const preparedIt = s.prepareVote !== null && s.prepareVote.view === view && same(s.prepareVote.hash, hash);
          const conflicting = s.commitVote !== null && s.commitVote.view === view && !same(s.commitVote.hash, hash);
          expect(g.ok).toBe(view === s.view && preparedIt && !conflicting);
          if (g.ok && !(s.commitVote && s.commitVote.view === view)) {
            expect(g.state.commitVote).toEqual({ view, hash });
            expect(g.state.prepared?.view).toBe(view);
            expect(g.state.preparedPayload).toEqual(payloadOf(hash));
          }
        }
      }
    }
  });

  it('view changes only move up; entering a view never goes below one asked for', () => {
    for (const s of allStates()) {
      for (const view of [...VIEWS, 4]) {
        const vc = voteViewChange(s, H, view);
        expect(vc.ok).toBe(view > s.view);
        if (vc.ok) expect(vc.state).toEqual({ ...s, view });
        const ev = enterView(s, H, view);
        expect(ev.ok).toBe(view >= s.view);
        if (ev.ok) expect(ev.state.view).toBe(view);
      }
    }
  });

  it('proposes at most one block per view, and only in the current view', () => {
    for (const s of allStates()) {
      for (const view of VIEWS) {
        for (const hash of HASHES) {
          const g = voteProposal(s, H, view, hash);
          const prior = s.proposal && s.proposal.view === view ? s.proposal : null;
          expect(g.ok).toBe(view === s.view && (!prior || same(prior.hash, hash)));
        }
      }
    }
  });

  it('a new height starts clean; an older height never rewinds the state', () => {
    for (const s of allStates()) {
      expect(advanceHeight(s, H + 1)).toEqual(initialSafetyState(H + 1));
      expect(advanceHeight(s, H)).toBe(s);
      expect(advanceHeight(s, H - 1)).toBe(s);
    }
  });

  it('persists every state losslessly', () => {
    for (const s of allStates()) expect(decodeSafetyState(encodeSafetyState(s))).toEqual(s);
  });

  it('rejects malformed persisted state with a clear error', () => {
    const good = encodeSafetyState(initialSafetyState(3));
    expect(() => decodeSafetyState(good.subarray(0, good.length - 1))).toThrow(/malformed|canonical/);
    expect(() => decodeSafetyState(Uint8Array.from([0x91, 0x01]))).toThrow(/8 fields/);
    const withCertOnly = encodeSafetyState({ ...initialSafetyState(3), prepared: cert(0, A) });
    expect(() => decodeSafetyState(withCertOnly)).toThrow(/both or neither/);
  });
});

type Op =
  | { kind: 'prepare'; view: number; hash: number; j: number }
  | { kind: 'commit'; view: number; hash: number }
  | { kind: 'viewChange'; view: number }
  | { kind: 'enter'; view: number }
  | { kind: 'propose'; view: number; hash: number }
  | { kind: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('prepare' as const), view: fc.nat(4), hash: fc.nat(1), j: fc.nat(3) }),
  fc.record({ kind: fc.constant('commit' as const), view: fc.nat(4), hash: fc.nat(1) }),
  fc.record({ kind: fc.constant('viewChange' as const), view: fc.nat(5) }),
  fc.record({ kind: fc.constant('enter' as const), view: fc.nat(5) }),
  fc.record({ kind: fc.constant('propose' as const), view: fc.nat(4), hash: fc.nat(1) }),
  fc.record({ kind: fc.constant('restart' as const) }),
);

describe('safety rules over any sequence of requests (with restarts from the persisted state)', () => {
  it('never grants conflicting votes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let s = initialSafetyState(H);
        const prepares = new Map<number, string>();
        const commits = new Map<number, string>();
        const proposals = new Map<number, string>();
        let left = 0; // every view below this one was left by a view change
        for (const op of ops) {
          if (op.kind === 'restart') {
            s = decodeSafetyState(encodeSafetyState(s));
            continue;
          }
          let g: Grant;
          switch (op.kind) {
            case 'prepare':
              g = votePrepare(s, H, op.view, HASHES[op.hash], justifications[op.j]);
              break;
            case 'commit':
              g = voteCommit(s, H, cert(op.view, HASHES[op.hash]), payloadOf(HASHES[op.hash]));
              break;
            case 'viewChange':
              g = voteViewChange(s, H, op.view);
              break;
            case 'enter':
              g = enterView(s, H, op.view);
              break;
            case 'propose':
              g = voteProposal(s, H, op.view, HASHES[op.hash]);
              break;
          }
          if (!g.ok) continue;
          s = g.state;
          const key = 'hash' in op ? hexKey(HASHES[op.hash]) : '';
          if (op.kind === 'viewChange') left = Math.max(left, op.view);
          if (op.kind === 'prepare' || op.kind === 'commit' || op.kind === 'propose') {
            expect(op.view).toBeGreaterThanOrEqual(left);
            const seen = op.kind === 'prepare' ? prepares : op.kind === 'commit' ? commits : proposals;
            expect(seen.get(op.view) ?? key).toBe(key);
            seen.set(op.view, key);
          }
          if (op.kind === 'commit') expect(prepares.get(op.view)).toBe(key);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
