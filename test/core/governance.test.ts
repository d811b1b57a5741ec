import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { encodeProposal, type ProposalAction } from '../../node/exec/system/index.js';
import { RPC_SCHEMA } from '../../node/rpc/schema.js';
import { committeeIface } from '../helpers/committee.js';
import { startTestNode, suite, type TestNode, toHex } from '../helpers/in-process.js';

/** A real node whose committee is three accounts of weight 1 under the default rules (50% / 66%). */
describe('committee governance on a node', () => {
  let t: TestNode;
  let members: KeyPair[];
  beforeAll(async () => {
    t = await startTestNode({ accounts: 3 });
    members = t.chain.accounts;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  async function send(account: KeyPair, data: string) {
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      { chainId: t.chain.chainId, height, to: SystemAddress.Committee, input: Buffer.from(data.slice(2), 'hex') },
      account.secretKey,
    );
    return t.client.call('sendTransaction', [toHex(raw), true]);
  }
  const propose = (account: KeyPair, action: ProposalAction) => {
    const { kind, payload } = encodeProposal(action);
    return send(account, committeeIface.encodeFunctionData('propose', [kind, payload]));
  };
  const vote = (account: KeyPair, id: number, agree: boolean) =>
    send(account, committeeIface.encodeFunctionData('vote', [id, agree]));

  it('serves the genesis committee', async () => {
    const c = await t.client.call('getCommittee');
    expect(RPC_SCHEMA.getCommittee.result.safeParse(c).success).toBe(true);
    expect(c).toMatchObject({ totalWeight: 3, participationPercent: 50, approvalPercent: 66, proposalCount: 0 });
    expect(c.members.map((m) => m.address).sort()).toEqual(members.map((m) => toHex(m.address)).sort());
  });

  it('changes tx_count_limit by a proposal and a second vote, effective the block after execution', async () => {
    const proposed = await propose(members[0], { kind: 'setSystemConfig', key: 'tx_count_limit', value: '321' });
    expect(proposed.status, proposed.message).toBe(0);
    const id = Number(committeeIface.decodeFunctionResult('propose', proposed.output)[0]);
    const open = (await t.client.call('getProposal', [id]))!;
    expect(RPC_SCHEMA.getProposal.result.safeParse(open).success).toBe(true);
    expect(open).toMatchObject({
      id,
      action: { type: 'setSystemConfig', key: 'tx_count_limit', value: '321' },
      proposer: toHex(members[0].address),
      createdAt: proposed.blockNumber,
      status: 'open',
      endedAt: null,
      forWeight: 1,
    });
    // One of three is below 50% participation: nothing changed yet.
    expect((await t.client.call('getSystemConfigByKey', ['tx_count_limit'])).value).toBe('2000');

    const outsider = suite.generateKeyPair();
    const refused = await vote(outsider, id, true);
    expect(refused.message).toMatch(/is not a committee member and may not vote/);

    const executed = await vote(members[1], id, true);
    expect(executed.status, executed.message).toBe(0);
    const names = executed.logs.map((l) => committeeIface.parseLog(l)?.name);
    expect(names).toEqual(['Voted', 'ProposalExecuted']);
    const done = (await t.client.call('getProposal', [id]))!;
    expect(done).toMatchObject({ status: 'executed', endedAt: executed.blockNumber, forWeight: 2 });
    expect(done.votes).toEqual([
      { voter: toHex(members[0].address), agree: true, blockNumber: proposed.blockNumber },
      { voter: toHex(members[1].address), agree: true, blockNumber: executed.blockNumber },
    ]);
    expect(await t.client.call('getSystemConfigByKey', ['tx_count_limit'])).toEqual({
      value: '321',
      blockNumber: executed.blockNumber + 1,
    });

    const late = await vote(members[2], id, true);
    expect(late.message).toBe(
      `Committee: proposal ${id} is executed (at block ${executed.blockNumber}); it can no longer be voted on`,
    );
    const list = await t.client.call('getProposals', [{ status: 'executed' }]);
    expect(RPC_SCHEMA.getProposals.result.safeParse(list).success).toBe(true);
    expect(list.proposals.map((p) => p.id)).toEqual([id]);
    expect(list.next).toBeNull();
  });
});
