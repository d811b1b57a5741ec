import { describe, expect, it } from 'vitest';
import {
  committeeIface,
  eventNames,
  governedState,
  propose,
  proposalIn,
  proposedId,
  runAs,
  vote,
  withRegulators,
} from '../../../test/helpers/committee.js';
import { SystemAddress } from '../addresses.js';
import { ReceiptStatus } from '../../codec/block.js';
import { encodeAbi } from '../../abi/codec.js';
import { toHex } from '../../codec/hex.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import { ProposalStatus } from './committee-state.js';
import { type ConsensusNode, consensusNodesGenesisEntry, readConsensusNodes } from './consensus-nodes.js';
import { nodeListAfter } from './node-manager.js';
import { decodeProposal, encodeProposal, type NodeAction, ProposalKind } from './proposal-kinds.js';

const suite = createEcdsaSuite();
const [a, b, c] = Array.from({ length: 3 }, () => suite.generateKeyPair().address);
const key = () => suite.generateKeyPair().publicKey;
const [v0, v1, obs, reg, fresh] = Array.from({ length: 5 }, key);
const sealer = (nodeId: Uint8Array): ConsensusNode => ({ nodeId, role: 'sealer', regulator: false });
const GENESIS_NODES: ConsensusNode[] = [
  sealer(v0),
  sealer(v1),
  { nodeId: obs, role: 'observer', regulator: false },
  { nodeId: reg, role: 'observer', regulator: true },
];

/** One member (a), so each proposal executes as it is made; the node list as genesis writes it. */
function chainState(nodes: readonly ConsensusNode[] = GENESIS_NODES, members = [{ address: a, weight: 1 }]) {
  const s = governedState(members);
  const [k, v] = consensusNodesGenesisEntry(nodes);
  s.set(k, v);
  return s;
}

/** Three equal members under the default rules: a proposal needs a second vote. */
const three = [a, b, c].map((address) => ({ address, weight: 1 }));
const list = (s: ReturnType<typeof chainState>) => readConsensusNodes(s).map((n) => [toHex(n.nodeId), n.role]);
const act = (kind: NodeAction['kind'], nodeId: Uint8Array) => ({ kind, nodeId }) as NodeAction;

describe('Node admission proposals', () => {
  it('have kinds 10..13, each a 64-byte node id as `bytes`', () => {
    expect([
      ProposalKind.AddValidator,
      ProposalKind.AddObserver,
      ProposalKind.DemoteToObserver,
      ProposalKind.RemoveNode,
    ]).toEqual([10, 11, 12, 13]);
    for (const kind of ['addValidator', 'addObserver', 'demoteToObserver', 'removeNode'] as const) {
      const { kind: id, payload } = encodeProposal(act(kind, fresh));
      expect(decodeProposal(id, payload)).toEqual({ kind, nodeId: fresh });
      expect(() => decodeProposal(id, encodeAbi(['bytes'], [fresh.subarray(0, 33)]))).toThrow(
        /a node id is 64 bytes \(an uncompressed public key\), got 33/,
      );
      // 64 bytes the network could not turn into a peer id: refused before it reaches the node list.
      expect(() => decodeProposal(id, encodeAbi(['bytes'], [new Uint8Array(64).fill(1)]))).toThrow(
        /is not a point on secp256k1/,
      );
    }
  });

  it('add a validator and an observer, demote, and remove: written when executed', () => {
    const s = chainState();
    const r = propose(s, 5, a, act('addValidator', fresh));
    expect(r.status, r.message).toBe(ReceiptStatus.Success);
    expect(eventNames(r)).toEqual(['ProposalCreated', 'Voted', 'ProposalExecuted']);
    expect(list(s).at(-1)).toEqual([toHex(fresh), 'sealer']);
    expect(readConsensusNodes(s).at(-1)!.regulator).toBe(false);

    expect(propose(s, 6, a, act('demoteToObserver', fresh)).status).toBe(ReceiptStatus.Success);
    expect(list(s).at(-1)).toEqual([toHex(fresh), 'observer']);
    expect(propose(s, 7, a, act('removeNode', fresh)).status).toBe(ReceiptStatus.Success);
    expect(list(s)).toEqual(GENESIS_NODES.map((n) => [toHex(n.nodeId), n.role]));

    const other = key();
    expect(propose(s, 8, a, act('addObserver', other)).status).toBe(ReceiptStatus.Success);
    expect(list(s).at(-1)).toEqual([toHex(other), 'observer']);
    // Removing a validator keeps the order of the others (the validator indices of certificates).
    expect(propose(s, 9, a, act('removeNode', v0)).status).toBe(ReceiptStatus.Success);
    expect(list(s).map(([id]) => id)).toEqual([v1, obs, reg, other].map(toHex));
  });

  it('waits for the votes like any proposal: the node list changes only when it executes', () => {
    const s = chainState(GENESIS_NODES, three);
    const id = proposedId(propose(s, 5, a, act('addValidator', fresh)));
    expect(proposalIn(s, id)!.status).toBe(ProposalStatus.Open);
    expect(list(s)).toHaveLength(4);
    expect(vote(s, 6, b, id, true).status).toBe(ReceiptStatus.Success);
    expect(list(s).at(-1)).toEqual([toHex(fresh), 'sealer']);
  });

  it.each([
    ['adding a node already listed', act('addObserver', v1), /is already in the node list as a validator/],
    ['removing an unknown node', act('removeNode', fresh), /is not in the node list, so it cannot be removed/],
    ['demoting an unknown node', act('demoteToObserver', fresh), /is not in the node list, so it cannot be demoted/],
    ['demoting an observer', act('demoteToObserver', obs), /is an observer already/],
  ])('refuses %s when it is proposed, and changes nothing', (_, action, why) => {
    const s = chainState();
    const r = propose(s, 5, a, action);
    expect(r.status).toBe(ReceiptStatus.Reverted);
    expect(r.message).toMatch(/^Committee: /);
    expect(r.message).toMatch(why);
    expect(list(s)).toEqual(GENESIS_NODES.map((n) => [toHex(n.nodeId), n.role]));
  });

  it("moves a regulator's node only with a regulator's consent: the passed proposal waits for it", () => {
    const regulator = suite.generateKeyPair().address;
    const s = withRegulators(chainState(), [{ account: regulator, name: 'PBoC', jurisdiction: 'CN' }]);
    const consent = (height: number, who: Uint8Array, id: number) =>
      runAs(s, height, who, SystemAddress.Committee, committeeIface.encodeFunctionData('consent', [id]));
    const unchanged = GENESIS_NODES.map((n) => [toHex(n.nodeId), n.role]);

    // A committee of one passes it at once, but it stays open: institutions alone cannot move it.
    const id = proposedId(propose(s, 5, a, act('removeNode', reg)));
    expect(proposalIn(s, id)!.status).toBe(ProposalStatus.Open);
    expect(list(s)).toEqual(unchanged);

    const byMember = consent(6, a, id);
    expect(byMember.status).toBe(ReceiptStatus.Reverted);
    expect(byMember.message).toMatch(/is not a regulator's account; only a regulator consents/);
    const other = proposedId(propose(s, 6, a, act('addObserver', fresh)));
    expect(consent(7, regulator, other).message).toMatch(/can no longer be consented to|needs no consent/);
    expect(list(s)).toHaveLength(5); // the observer went in at once

    const given = consent(8, regulator, id);
    expect(given.status, given.message).toBe(ReceiptStatus.Success);
    expect(eventNames(given)).toEqual(['RegulatorConsented', 'ProposalExecuted']);
    expect(list(s).map(([n]) => n)).not.toContain(toHex(reg));
    expect(proposalIn(s, id)).toMatchObject({ status: ProposalStatus.Executed, consent: { regulator, block: 8 } });
    expect(consent(9, regulator, id).message).toMatch(/is executed .*; it can no longer be consented to/);
  });

  it('never removes or demotes the last validator', () => {
    const s = chainState([sealer(v0), { nodeId: obs, role: 'observer', regulator: false }]);
    for (const kind of ['removeNode', 'demoteToObserver'] as const) {
      const r = propose(s, 5, a, act(kind, v0));
      expect(r.status).toBe(ReceiptStatus.Reverted);
      expect(r.message).toMatch(/is the last validator; a chain needs at least one/);
    }
    // An observer may go all the same.
    expect(propose(s, 6, a, act('removeNode', obs)).status).toBe(ReceiptStatus.Success);
    expect(list(s)).toEqual([[toHex(v0), 'sealer']]);
  });

  it('checks again when it executes: a proposal overtaken by another cannot apply twice', () => {
    const s = chainState(GENESIS_NODES, three);
    const first = proposedId(propose(s, 5, a, act('removeNode', v1)));
    const second = proposedId(propose(s, 5, b, act('removeNode', v0)));
    expect(vote(s, 6, c, first, true).status).toBe(ReceiptStatus.Success);
    const r = vote(s, 7, c, second, true);
    expect(r.status).toBe(ReceiptStatus.Reverted);
    expect(r.message).toMatch(/is the last validator/);
    expect(proposalIn(s, second)!.status).toBe(ProposalStatus.Open);
    expect(list(s).filter(([, role]) => role === 'sealer')).toEqual([[toHex(v0), 'sealer']]);
  });

  it('nodeListAfter leaves its input alone', () => {
    const before = GENESIS_NODES.map((n) => ({ ...n }));
    nodeListAfter(GENESIS_NODES, act('demoteToObserver', v0));
    expect(GENESIS_NODES).toEqual(before);
  });
});
