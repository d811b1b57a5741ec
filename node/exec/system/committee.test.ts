import { describe, expect, it } from 'vitest';
import {
  committeeIn,
  committeeIface,
  DEFAULT_RULES,
  eventNames,
  governedState,
  propose,
  proposalIn,
  proposedId,
  revoke,
  runAs,
  vote,
} from '../../../test/helpers/committee.js';
import { ReceiptStatus } from '../../codec/block.js';
import { toHex } from '../../codec/hex.js';
import { encodeAbi, selector } from '../../abi/codec.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import { SystemAddress } from '../addresses.js';
import { ProposalStatus, statusAt } from './committee-state.js';
import { decodeProposal, encodeProposal, ProposalKind } from './proposal-kinds.js';
import { readSystemConfig } from './system-config.js';

const suite = createEcdsaSuite();
const [a, b, c, outsider] = Array.from({ length: 4 }, () => suite.generateKeyPair().address);
const setLimit = (v: string) => ({ kind: 'setSystemConfig', key: 'tx_count_limit', value: v }) as const;

/** Three members of weight 1 under the default rules (50% participation, 66% approval). */
const three = () =>
  governedState([
    { address: a, weight: 1 },
    { address: b, weight: 1 },
    { address: c, weight: 1 },
  ]);

function snapshot(s: ReturnType<typeof three>): string[] {
  return s.sortedChanges().map((x) => `${toHex(x.key)}=${x.value ? toHex(x.value) : 'nil'}`);
}

describe('Committee proposals', () => {
  it('a single member executes its proposal as it proposes it, effective the next block', () => {
    const s = governedState([{ address: a, weight: 1 }]);
    const r = propose(s, 5, a, setLimit('777'));
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect(eventNames(r)).toEqual(['ProposalCreated', 'Voted', 'ProposalExecuted']);
    const p = proposalIn(s, proposedId(r))!;
    expect([p.status, p.endedAt, p.createdAt, p.expiresAt]).toEqual([
      ProposalStatus.Executed,
      5,
      5,
      5 + DEFAULT_RULES.proposalLifetimeBlocks,
    ]);
    expect(readSystemConfig(s, 5).txCountLimit).toBe(2000);
    expect(readSystemConfig(s, 6).txCountLimit).toBe(777);
  });

  it('three equal members: the second vote for executes; each vote is recorded with its block', () => {
    const s = three();
    const id = proposedId(propose(s, 10, a, setLimit('500')));
    expect(proposalIn(s, id)!.status).toBe(ProposalStatus.Open);
    const r = vote(s, 12, b, id, true);
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect(eventNames(r)).toEqual(['Voted', 'ProposalExecuted']);
    const p = proposalIn(s, id)!;
    expect(p.votes.map((v) => [toHex(v.voter), v.agree, v.block])).toEqual([
      [toHex(a), true, 10],
      [toHex(b), true, 12],
    ]);
    expect([p.status, p.endedAt, toHex(p.proposer)]).toEqual([ProposalStatus.Executed, 12, toHex(a)]);
    expect(readSystemConfig(s, 13).txCountLimit).toBe(500);
  });

  it('is rejected once it can no longer pass, and executes nothing', () => {
    const s = three();
    const id = proposedId(propose(s, 10, a, setLimit('500')));
    expect(vote(s, 11, b, id, false).status).toBe(ReceiptStatus.Success);
    const r = vote(s, 11, c, id, false);
    expect(eventNames(r)).toEqual(['Voted', 'ProposalRejected']);
    expect(proposalIn(s, id)!.status).toBe(ProposalStatus.Rejected);
    expect(readSystemConfig(s, 12).txCountLimit).toBe(2000);
  });

  it('changes members and weights, and the voting rules, by proposal', () => {
    const s = governedState([{ address: a, weight: 3 }]);
    expect(propose(s, 2, a, { kind: 'updateCommitteeMember', member: b, weight: 2 }).status).toBe(0);
    expect(
      committeeIn(s)
        .members.map((m) => [toHex(m.address), m.weight])
        .sort(),
    ).toEqual(
      [
        [toHex(a), 3],
        [toHex(b), 2],
      ].sort(),
    );
    const rules = { participationPercent: 100, approvalPercent: 100, proposalLifetimeBlocks: 10 };
    // a alone has 3 of 5: 60% participation >= 50, approval 100%: executes.
    expect(propose(s, 3, a, { kind: 'setVotingRules', rules }).status).toBe(0);
    expect(committeeIn(s).rules).toEqual(rules);
    // Now b must vote too; removing b needs b's own vote.
    const id = proposedId(propose(s, 4, a, { kind: 'updateCommitteeMember', member: b, weight: 0 }));
    expect(proposalIn(s, id)!.expiresAt).toBe(14);
    expect(vote(s, 5, b, id, true).status).toBe(0);
    expect(committeeIn(s).members.map((m) => toHex(m.address))).toEqual([toHex(a)]);
  });

  it('an expired proposal refuses votes and revocation, and reads as expired', () => {
    const s = governedState(
      [
        { address: a, weight: 1 },
        { address: b, weight: 1 },
        { address: c, weight: 1 },
      ],
      { ...DEFAULT_RULES, proposalLifetimeBlocks: 5 },
    );
    const id = proposedId(propose(s, 10, a, setLimit('500')));
    expect(vote(s, 14, b, id, false).status).toBe(0);
    const before = snapshot(s);
    const late = vote(s, 15, c, id, true);
    expect(late.status).toBe(ReceiptStatus.Reverted);
    expect(late.message).toBe(`Committee: proposal ${id} expired at block 15; it can no longer be voted on`);
    expect(revoke(s, 15, a, id).message).toMatch(/expired at block 15; it can no longer be revoked/);
    expect(snapshot(s)).toEqual(before);
    expect(statusAt(proposalIn(s, id)!, 14)).toBe(ProposalStatus.Open);
    expect(statusAt(proposalIn(s, id)!, 15)).toBe(ProposalStatus.Expired);
  });

  it('the proposer may revoke an open proposal; nobody may vote on it afterwards', () => {
    const s = three();
    const id = proposedId(propose(s, 10, a, setLimit('500')));
    const notMine = revoke(s, 11, b, id);
    expect(notMine.message).toBe(`Committee: only the proposer ${toHex(a)} may revoke proposal ${id}`);
    const r = revoke(s, 11, a, id);
    expect(r.status).toBe(0);
    expect(eventNames(r)).toEqual(['ProposalRevoked']);
    expect([proposalIn(s, id)!.status, proposalIn(s, id)!.endedAt]).toEqual([ProposalStatus.Revoked, 11]);
    expect(vote(s, 12, b, id, true).message).toBe(
      `Committee: proposal ${id} is revoked (at block 11); it can no longer be voted on`,
    );
    expect(revoke(s, 12, a, id).message).toMatch(/is revoked \(at block 11\)/);
  });

  it('execute settles a proposal that passes without a new vote (the committee shrank), and refuses one still pending', () => {
    const s = three();
    const exec = (height: number, who: Uint8Array, id: number) =>
      runAs(s, height, who, SystemAddress.Committee, committeeIface.encodeFunctionData('execute', [id]));
    const id = proposedId(propose(s, 5, a, setLimit('777'))); // 1 of 3 voted: pending
    const before = snapshot(s);
    const pending = exec(6, a, id);
    expect(pending.status).toBe(ReceiptStatus.Reverted);
    expect(pending.message).toMatch(/proposal 1 does not pass yet \(for 1 \/ against 0 of 3\)/);
    expect(exec(6, outsider, id).message).toMatch(/is not a committee member and may not execute proposals/);
    expect(snapshot(s)).toEqual(before);

    // c leaves the committee (a proposes, b votes): now 1 of 2 voted for the first proposal, which passes.
    const leave = proposedId(propose(s, 7, a, { kind: 'updateCommitteeMember', member: c, weight: 0 }));
    expect(vote(s, 8, b, leave, true).status).toBe(ReceiptStatus.Success);
    expect(proposalIn(s, id)!.status).toBe(ProposalStatus.Open);
    const done = exec(9, b, id);
    expect(done.status, done.message).toBe(ReceiptStatus.Success);
    expect(eventNames(done)).toEqual(['ProposalExecuted']);
    expect(proposalIn(s, id)).toMatchObject({ status: ProposalStatus.Executed, endedAt: 9 });
    expect(readSystemConfig(s, 10).txCountLimit).toBe(777);
    expect(exec(10, a, id).message).toMatch(/is executed .*; it can no longer be executed/);
  });
});

describe('Committee refusals change nothing and say why', () => {
  const cases: Array<[string, (s: ReturnType<typeof three>) => ReturnType<typeof vote>, string | RegExp]> = [
    [
      'a proposal from a non-member',
      (s) => propose(s, 20, outsider, setLimit('5')),
      `Committee: sender ${toHex(outsider)} is not a committee member and may not propose`,
    ],
    [
      'a vote from a non-member',
      (s) => vote(s, 20, outsider, 1, true),
      `Committee: sender ${toHex(outsider)} is not a committee member and may not vote`,
    ],
    ['a double vote', (s) => vote(s, 20, a, 1, false), `Committee: ${toHex(a)} has already voted on proposal 1`],
    ['a vote on an unknown proposal', (s) => vote(s, 20, b, 99, true), 'Committee: no proposal 99'],
    [
      'a vote on an executed proposal',
      (s) => vote(s, 20, c, 2, true),
      'Committee: proposal 2 is executed (at block 11); it can no longer be voted on',
    ],
    [
      'an unknown kind',
      (s) => runAs(s, 20, a, SystemAddress.Committee, committeeIface.encodeFunctionData('propose', [99, '0x'])),
      /^Committee: unknown proposal kind 99 \(known: 1 SetSystemConfig/,
    ],
    [
      'a payload that is not the kind’s ABI encoding',
      (s) =>
        runAs(
          s,
          20,
          a,
          SystemAddress.Committee,
          committeeIface.encodeFunctionData('propose', [ProposalKind.UpdateCommitteeMember, '0x1234']),
        ),
      /^Committee: bad payload for UpdateCommitteeMember\(address member, uint32 weight\): not its ABI encoding/,
    ],
    [
      'an out-of-range system config value',
      (s) => propose(s, 20, a, setLimit('0')),
      /^Committee: bad payload for SetSystemConfig.*tx_count_limit must be between 1 and 100000/,
    ],
    [
      'an unknown system config key',
      (s) => propose(s, 20, a, { kind: 'setSystemConfig', key: 'nope', value: '1' }),
      /unknown system config key 'nope'/,
    ],
    [
      'voting rules out of bounds',
      (s) =>
        propose(s, 20, a, {
          kind: 'setVotingRules',
          rules: { participationPercent: 50, approvalPercent: 0, proposalLifetimeBlocks: 10 },
        }),
      /approval must be 1\.\.100 percent, got 0/,
    ],
    [
      'removing a non-member',
      (s) => propose(s, 20, a, { kind: 'updateCommitteeMember', member: outsider, weight: 0 }),
      `Committee: ${toHex(outsider)} is not a committee member, so it cannot be removed`,
    ],
    [
      'a weight above the bound',
      (s) => propose(s, 20, a, { kind: 'updateCommitteeMember', member: b, weight: 10_001 }),
      /weight must be 0 \(remove\) to 10000, got 10001/,
    ],
  ];

  it.each(cases)('%s', (_name, act, why) => {
    const s = three();
    // Proposal 1: open with a's vote. Proposal 2: executed at block 11 by a and b.
    proposedId(propose(s, 10, a, setLimit('300')));
    const two = proposedId(propose(s, 11, a, setLimit('400')));
    expect(vote(s, 11, b, two, true).status).toBe(0);
    const before = snapshot(s);
    const r = act(s);
    expect(r.status).toBe(ReceiptStatus.Reverted);
    if (typeof why === 'string') expect(r.message).toBe(why);
    else expect(r.message).toMatch(why);
    expect(r.logs).toEqual([]);
    expect(snapshot(s)).toEqual(before);
  });

  it('the last member cannot be removed', () => {
    const s = governedState([{ address: a, weight: 1 }]);
    const r = propose(s, 3, a, { kind: 'updateCommitteeMember', member: a, weight: 0 });
    expect(r.message).toBe('Committee: cannot remove the last committee member');
    expect(committeeIn(s).members).toHaveLength(1);
  });

  it('SetSystemConfig refuses any caller but the committee contract', () => {
    const s = three();
    const input = [
      ...selector('setValueByKey(string,string)'),
      ...encodeAbi(['string', 'string'], ['tx_count_limit', '5']),
    ];
    const r = runAs(s, 5, a, SystemAddress.SystemConfig, `0x${Buffer.from(input).toString('hex')}`);
    expect(r.status).toBe(ReceiptStatus.Reverted);
    expect(r.message).toMatch(/^SystemConfig: setValueByKey is called only by the committee contract 0x0+1005/);
  });
});

describe('proposal kinds', () => {
  it('round-trip through their ABI payload', () => {
    const actions = [
      setLimit('9'),
      { kind: 'updateCommitteeMember', member: b, weight: 0 } as const,
      {
        kind: 'setVotingRules',
        rules: { participationPercent: 0, approvalPercent: 100, proposalLifetimeBlocks: 1 },
      } as const,
    ];
    for (const action of actions) {
      const { kind, payload } = encodeProposal(action);
      expect(decodeProposal(kind, payload)).toEqual(action);
      // One action, one payload: trailing bytes are refused.
      expect(() => decodeProposal(kind, new Uint8Array([...payload, 0]))).toThrow(/not its ABI encoding/);
    }
  });
});
