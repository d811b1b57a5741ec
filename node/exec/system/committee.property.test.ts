import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  eventNames,
  governedState,
  propose,
  proposalIn,
  proposedId,
  revoke,
  vote,
} from '../../../test/helpers/committee.js';
import { ReceiptStatus } from '../../codec/block.js';
import { toHex } from '../../codec/hex.js';
import { committeeReader, PROPOSAL_STATUS_NAMES, readMembers, readRules, statusAt } from './committee-state.js';
import type { ProposalAction } from './proposal-kinds.js';
import { readSystemConfig } from './system-config.js';

/**
 * Random committees, proposals, votes and revocations against a small reference model of
 * the voting rules, written here from the rules' statement alone: a proposal executes
 * exactly when, after a vote (its proposer's included), the weight that voted is at least
 * participation% of the committee's weight and the weight for is at least approval% of the
 * weight that voted; it is rejected when it could not pass even if every member yet to vote
 * voted for; it never executes twice nor after its lifetime; a refused transaction changes
 * nothing at all.
 */
const ACCOUNTS = Array.from({ length: 5 }, (_, i) => new Uint8Array(20).fill(i + 1));

type Rules = { participationPercent: number; approvalPercent: number; proposalLifetimeBlocks: number };
type MAction =
  | { kind: 'setSystemConfig'; key: 'tx_count_limit'; value: string }
  | { kind: 'updateCommitteeMember'; who: number; weight: number }
  | { kind: 'setVotingRules'; rules: Rules };
type MStatus = 'open' | 'executed' | 'rejected' | 'revoked';
interface MProposal {
  id: number;
  proposer: number;
  createdAt: number;
  expiresAt: number;
  status: MStatus;
  endedAt: number;
  votes: Array<{ voter: number; agree: boolean; block: number }>;
  action: MAction;
}

class Model {
  proposals: MProposal[] = [];
  txCountLimit = 2000;
  executed = new Map<number, number>();
  constructor(
    public members: Map<number, number>,
    public rules: Rules,
  ) {}

  private validStatic(a: MAction): boolean {
    if (a.kind === 'setSystemConfig') return Number(a.value) >= 1 && Number(a.value) <= 100_000;
    if (a.kind === 'setVotingRules') return a.rules.approvalPercent >= 1;
    return true;
  }

  private applicable(a: MAction): boolean {
    if (a.kind !== 'updateCommitteeMember' || a.weight > 0) return true;
    return this.members.has(a.who) && this.members.size > 1;
  }

  private apply(a: MAction): void {
    if (a.kind === 'setSystemConfig') this.txCountLimit = Number(a.value);
    else if (a.kind === 'setVotingRules') this.rules = a.rules;
    else if (a.weight === 0) this.members.delete(a.who);
    else this.members.set(a.who, a.weight);
  }

  /** Ends the proposal if the votes decide it; false when it should execute but cannot (the transaction fails). */
  private settle(p: MProposal, h: number): boolean {
    let total = 0;
    for (const w of this.members.values()) total += w;
    let yes = 0;
    let no = 0;
    for (const v of p.votes) {
      const w = this.members.get(v.voter) ?? 0;
      if (v.agree) yes += w;
      else no += w;
    }
    const voted = yes + no;
    if (
      voted > 0 &&
      voted * 100 >= this.rules.participationPercent * total &&
      yes * 100 >= this.rules.approvalPercent * voted
    ) {
      if (!this.applicable(p.action)) return false;
      this.apply(p.action);
      p.status = 'executed';
      p.endedAt = h;
      this.executed.set(p.id, (this.executed.get(p.id) ?? 0) + 1);
      return true;
    }
    const bestYes = yes + (total - voted);
    if (bestYes * 100 < this.rules.approvalPercent * total) {
      p.status = 'rejected';
      p.endedAt = h;
    }
    return true;
  }

  private open(id: number, h: number): MProposal | null {
    const p = this.proposals[id - 1];
    return p && p.status === 'open' && h < p.expiresAt ? p : null;
  }

  propose(who: number, a: MAction, h: number): boolean {
    if (!this.members.has(who) || !this.validStatic(a) || !this.applicable(a)) return false;
    const p: MProposal = {
      id: this.proposals.length + 1,
      proposer: who,
      createdAt: h,
      expiresAt: h + this.rules.proposalLifetimeBlocks,
      status: 'open',
      endedAt: 0,
      votes: [{ voter: who, agree: true, block: h }],
      action: a,
    };
    const undo = this.snapshot();
    if (!this.settle(p, h)) return this.restore(undo);
    this.proposals.push(p);
    return true;
  }

  vote(who: number, id: number, agree: boolean, h: number): boolean {
    const p = this.open(id, h);
    if (!this.members.has(who) || !p || p.votes.some((v) => v.voter === who)) return false;
    const undo = this.snapshot();
    p.votes.push({ voter: who, agree, block: h });
    if (!this.settle(p, h)) return this.restore(undo);
    return true;
  }

  revoke(who: number, id: number, h: number): boolean {
    const p = this.open(id, h);
    if (!p || p.proposer !== who) return false;
    p.status = 'revoked';
    p.endedAt = h;
    return true;
  }

  statusAt(p: MProposal, h: number): string {
    return p.status === 'open' && h >= p.expiresAt ? 'expired' : p.status;
  }

  private snapshot(): string {
    return JSON.stringify([[...this.members], this.rules, this.txCountLimit, this.proposals]);
  }

  private restore(s: string): false {
    const [members, rules, limit, proposals] = JSON.parse(s);
    this.members = new Map(members);
    this.rules = rules;
    this.txCountLimit = limit;
    this.proposals = proposals;
    return false;
  }
}

const who = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const rulesArb = fc.record({
  participationPercent: fc.integer({ min: 0, max: 100 }),
  approvalPercent: fc.integer({ min: 1, max: 100 }),
  proposalLifetimeBlocks: fc.integer({ min: 1, max: 8 }),
});
const actionArb: fc.Arbitrary<MAction> = fc.oneof(
  fc.record({
    kind: fc.constant('setSystemConfig' as const),
    key: fc.constant('tx_count_limit' as const),
    value: fc.oneof(fc.integer({ min: 1, max: 100_000 }).map(String), fc.constant('0')),
  }),
  fc.record({ kind: fc.constant('updateCommitteeMember' as const), who, weight: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant('setVotingRules' as const),
    rules: fc.record({
      participationPercent: fc.integer({ min: 0, max: 100 }),
      approvalPercent: fc.integer({ min: 0, max: 100 }),
      proposalLifetimeBlocks: fc.integer({ min: 1, max: 8 }),
    }),
  }),
);
type Op =
  | { op: 'propose'; who: number; action: MAction; gap: number }
  | { op: 'vote'; who: number; id: number; agree: boolean; gap: number }
  | { op: 'revoke'; who: number; id: number; gap: number };
const gap = fc.integer({ min: 0, max: 3 });
const id = fc.integer({ min: 1, max: 6 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('propose' as const), who, action: actionArb, gap }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('vote' as const), who, id, agree: fc.boolean(), gap }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke' as const), who, id, gap }) },
);
const committeeArb = fc.uniqueArray(fc.record({ who, weight: fc.integer({ min: 1, max: 3 }) }), {
  minLength: 1,
  maxLength: ACCOUNTS.length,
  selector: (m) => m.who,
});

function toAction(a: MAction): ProposalAction {
  if (a.kind === 'updateCommitteeMember') return { kind: a.kind, member: ACCOUNTS[a.who], weight: a.weight };
  return a;
}

describe('Committee voting rules against a reference model', () => {
  it('execute exactly when the thresholds are met, never twice, never after expiry; refusals change nothing', () => {
    fc.assert(
      fc.property(committeeArb, rulesArb, fc.array(opArb, { minLength: 1, maxLength: 25 }), (committee, rules, ops) => {
        const state = governedState(
          committee.map((m) => ({ address: ACCOUNTS[m.who], weight: m.weight })),
          rules,
        );
        const model = new Model(new Map(committee.map((m) => [m.who, m.weight])), rules);
        const executedEvents = new Map<number, number>();
        let h = 1;
        for (const op of ops) {
          h += op.gap;
          const before = state.sortedChanges().map((c) => `${toHex(c.key)}=${c.value ? toHex(c.value) : '-'}`);
          const r =
            op.op === 'propose'
              ? propose(state, h, ACCOUNTS[op.who], toAction(op.action))
              : op.op === 'vote'
                ? vote(state, h, ACCOUNTS[op.who], op.id, op.agree)
                : revoke(state, h, ACCOUNTS[op.who], op.id);
          const accepted =
            op.op === 'propose'
              ? model.propose(op.who, op.action, h)
              : op.op === 'vote'
                ? model.vote(op.who, op.id, op.agree, h)
                : model.revoke(op.who, op.id, h);
          expect(r.status === ReceiptStatus.Success, `${JSON.stringify(op)} at ${h}: ${r.message}`).toBe(accepted);
          if (!accepted) {
            expect(state.sortedChanges().map((c) => `${toHex(c.key)}=${c.value ? toHex(c.value) : '-'}`)).toEqual(
              before,
            );
            continue;
          }
          if (op.op === 'propose') expect(proposedId(r)).toBe(model.proposals.length);
          const pid = op.op === 'propose' ? model.proposals.length : op.id;
          if (eventNames(r).includes('ProposalExecuted')) executedEvents.set(pid, (executedEvents.get(pid) ?? 0) + 1);

          const read = committeeReader(state);
          const members = readMembers(read).map((m) => [toHex(m.address), m.weight]);
          const expected = [...model.members]
            .map(([i, w]) => [toHex(ACCOUNTS[i]), w])
            .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
          expect(members).toEqual(expected);
          expect(readRules(read)).toEqual(model.rules);
          expect(readSystemConfig(state, h + 1).txCountLimit).toBe(model.txCountLimit);
          for (const mp of model.proposals) {
            const p = proposalIn(state, mp.id)!;
            for (const at of [h, h + 1, mp.expiresAt])
              expect(PROPOSAL_STATUS_NAMES[statusAt(p, at)]).toBe(model.statusAt(mp, at));
            expect(p.endedAt).toBe(mp.endedAt);
            expect(p.votes.map((v) => [toHex(v.voter), v.agree, v.block])).toEqual(
              mp.votes.map((v) => [toHex(ACCOUNTS[v.voter]), v.agree, v.block]),
            );
          }
        }
        expect(executedEvents).toEqual(model.executed);
        for (const n of model.executed.values()) expect(n).toBe(1);
      }),
      { numRuns: 150 },
    );
  });
});
