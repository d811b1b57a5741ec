import { GENESIS_DEFAULTS } from '../../node/config/defaults.js';
import type { Receipt } from '../../node/codec/block.js';
import type { Transaction } from '../../node/codec/tx.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { Executor } from '../../node/exec/executor.js';
import {
  type CommitteeMember,
  committeeContract,
  committeeGenesisEntries,
  committeeReader,
  encodeProposal,
  type Proposal,
  type ProposalAction,
  permissionsGenesisEntries,
  type Regulator,
  readMembers,
  readProposal,
  readRules,
  systemConfigGenesisEntries,
  type VotingRules,
} from '../../node/exec/system/index.js';
import { StateOverlay } from '../../node/state/overlay.js';

/**
 * Runs committee transactions straight through the executor over an in-memory state, for
 * the unit and property tests of governance. Every transaction is signed by one fixed key
 * and attributed to the address given: the executor takes the sender the pool recovered,
 * so the tests need not keep a key per member.
 */
const suite = createEcdsaSuite();
const signer = suite.generateKeyPair();
const executor = new Executor();

export const committeeIface = committeeContract.iface;

export const DEFAULT_RULES: VotingRules = {
  participationPercent: GENESIS_DEFAULTS.committee.participationPercent,
  approvalPercent: GENESIS_DEFAULTS.committee.approvalPercent,
  proposalLifetimeBlocks: GENESIS_DEFAULTS.committee.proposalLifetimeBlocks,
};

/** A state as genesis leaves it: system config defaults (or `systemConfig`) and this committee. */
export function governedState(
  members: readonly CommitteeMember[],
  rules: VotingRules = DEFAULT_RULES,
  systemConfig: Record<string, string> = {},
): StateOverlay {
  const s = new StateOverlay({ get: () => null });
  for (const [k, v] of systemConfigGenesisEntries(systemConfig)) s.set(k, v);
  for (const [k, v] of committeeGenesisEntries(members, rules)) s.set(k, v);
  return s;
}

/** `state` with these regulators, as genesis writes them. */
export function withRegulators(state: StateOverlay, regulators: readonly Regulator[]): StateOverlay {
  for (const [k, v] of permissionsGenesisEntries(regulators)) state.set(k, v);
  return state;
}

/** A transaction of block `height` from `sender` to `to` with this input. */
export function runAs(
  state: StateOverlay,
  height: number,
  sender: Uint8Array,
  to: Uint8Array | null,
  input: string,
  ex: Executor = executor,
): Receipt {
  const { tx } = buildSignedTx(
    suite,
    { chainId: 'c', height, to, input: Buffer.from(input.slice(2), 'hex'), gasLimit: 5_000_000 },
    signer.secretKey,
  );
  return ex.runTx({ number: height, timestamp: 0, suite }, state, { tx, sender });
}

export function propose(
  state: StateOverlay,
  height: number,
  sender: Uint8Array,
  action: ProposalAction,
  ex: Executor = executor,
): Receipt {
  const { kind, payload } = encodeProposal(action);
  return runAs(
    state,
    height,
    sender,
    SystemAddress.Committee,
    committeeIface.encodeFunctionData('propose', [kind, payload]),
    ex,
  );
}

export function vote(state: StateOverlay, height: number, sender: Uint8Array, id: number, agree: boolean): Receipt {
  return runAs(state, height, sender, SystemAddress.Committee, committeeIface.encodeFunctionData('vote', [id, agree]));
}

export function revoke(state: StateOverlay, height: number, sender: Uint8Array, id: number): Receipt {
  return runAs(state, height, sender, SystemAddress.Committee, committeeIface.encodeFunctionData('revoke', [id]));
}

/** The id `propose` returned. */
export function proposedId(r: Receipt): number {
  return Number(committeeIface.decodeFunctionResult('propose', r.output)[0]);
}

export function proposalIn(state: StateOverlay, id: number): Proposal | null {
  return readProposal(committeeReader(state), id);
}

export function committeeIn(state: StateOverlay): { members: CommitteeMember[]; rules: VotingRules | null } {
  const read = committeeReader(state);
  return { members: readMembers(read), rules: readRules(read) };
}

/** Event names of a receipt's committee logs, in order. */
export function eventNames(r: Receipt): string[] {
  return r.logs.map((l) => committeeIface.parseLog({ topics: l.topics.map(hex), data: hex(l.data) })?.name ?? '?');
}

function hex(b: Uint8Array): string {
  return `0x${Buffer.from(b).toString('hex')}`;
}

/**
 * A signed `propose(action)` transaction of `member`: ready for Chain.buildBlock, and as the
 * raw bytes for sendTransaction (the tests that change the node list on a real chain).
 */
export function proposalTx(
  chainId: string,
  height: number,
  member: { address: Uint8Array; secretKey: Uint8Array },
  action: ProposalAction,
): { tx: Transaction; hash: Uint8Array; sender: Uint8Array; size: number; raw: Uint8Array } {
  const { kind, payload } = encodeProposal(action);
  const { tx, hash, raw } = buildSignedTx(
    suite,
    {
      chainId,
      height,
      to: SystemAddress.Committee,
      input: Buffer.from(committeeIface.encodeFunctionData('propose', [kind, payload]).slice(2), 'hex'),
      gasLimit: 3_000_000,
    },
    member.secretKey,
  );
  return { tx, hash, sender: member.address, size: raw.length, raw };
}
