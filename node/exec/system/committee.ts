import { encodeAbi, selector } from '../../abi/codec.js';
import { encodeCanonical, equalBytes } from '../../codec/canonical.js';
import { concatBytes, hexKey, toHex } from '../../codec/hex.js';
import { COMMITTEE_BOUNDS } from '../../config/defaults.js';
import { storageKey, SystemAddress } from '../addresses.js';
import { type CallFrame, RevertError } from '../types.js';
import { AbiContract } from './abi-contract.js';
import {
  type CommitteeMember,
  CommitteeKey,
  type CommitteeRead,
  encodeMembers,
  encodeProposalRecord,
  encodeRules,
  type Proposal,
  ProposalStatus,
  PROPOSAL_STATUS_NAMES,
  readMembers,
  readProposal,
  readProposalCount,
  readRules,
  statusAt,
  tally,
  type VotingRules,
  weightOf,
} from './committee-state.js';
import { applyPermissionAction, isPermissionAction } from './permissions.js';
import { applyPilotAction, isPilotAction } from './pilot-registry.js';
import { needsRegulatorConsent, nodeListAfter, readNodeList, writeNodeList } from './node-manager.js';
import { accountsReader, isRegulator } from './permissions-state.js';
import {
  decodeProposal,
  isNodeAction,
  type NodeAction,
  type ProposalAction,
  ProposalPayloadError,
} from './proposal-kinds.js';
import type { ConsensusNode } from './consensus-nodes.js';
import { systemConfigContract } from './system-config.js';
import { ContractStorage } from './storage.js';

/**
 * The governing committee (FISCO BCOS 3's committee model): weighted members propose
 * changes, vote for or against them, and a proposal executes in the transaction of the
 * vote (or the proposal) that makes it meet both thresholds, within its lifetime. Every
 * proposal keeps its proposer, its votes with their blocks, its status and the block that
 * ended it. State layout and tally rules: committee-state.ts; proposal kinds:
 * proposal-kinds.ts.
 */

export function committeeGenesisEntries(
  members: readonly CommitteeMember[],
  rules: VotingRules,
): Array<[Uint8Array, Uint8Array]> {
  return [
    [storageKey(SystemAddress.Committee, CommitteeKey.members), encodeMembers(members)],
    [storageKey(SystemAddress.Committee, CommitteeKey.rules), encodeRules(rules)],
  ];
}

const SET_VALUE_BY_KEY = selector('setValueByKey(string,string)');

function revert(reason: string): never {
  throw new RevertError(`Committee: ${reason}`);
}

/** Gas-charged reads and writes of the committee's own storage. */
class CommitteeStore {
  private readonly storage: ContractStorage;
  private readonly read: CommitteeRead;
  constructor(frame: CallFrame) {
    this.storage = new ContractStorage(frame);
    this.read = (key) => this.storage.get(key);
  }
  members(): CommitteeMember[] {
    return readMembers(this.read);
  }
  rules(): VotingRules {
    const r = readRules(this.read);
    if (!r) revert('no voting rules in state (a chain without a genesis committee)');
    return r;
  }
  count(): number {
    return readProposalCount(this.read);
  }
  proposal(id: number): Proposal {
    const p = readProposal(this.read, id);
    if (!p) revert(`no proposal ${id}`);
    return p;
  }
  saveProposal(p: Proposal): void {
    this.storage.set(CommitteeKey.proposal(p.id), encodeProposalRecord(p));
  }
  saveCount(n: number): void {
    this.storage.set(CommitteeKey.count, encodeCanonical(n));
  }
  saveMembers(m: readonly CommitteeMember[]): void {
    this.storage.set(CommitteeKey.members, encodeMembers(m));
  }
  saveRules(r: VotingRules): void {
    this.storage.set(CommitteeKey.rules, encodeRules(r));
  }
}

function memberWeight(store: CommitteeStore, who: Uint8Array, action: string): number {
  const w = weightOf(store.members(), who);
  if (w === 0) revert(`sender ${toHex(who)} is not a committee member and may not ${action}`);
  return w;
}

/** The committee after an UpdateCommitteeMember, or a reason it cannot be applied to this committee. */
function updatedMembers(members: readonly CommitteeMember[], member: Uint8Array, weight: number): CommitteeMember[] {
  const others = members.filter((m) => !equalBytes(m.address, member));
  const present = others.length !== members.length;
  if (weight === 0) {
    if (!present) revert(`${toHex(member)} is not a committee member, so it cannot be removed`);
    if (others.length === 0) revert('cannot remove the last committee member');
    return others;
  }
  if (!present && members.length >= COMMITTEE_BOUNDS.maxMembers)
    revert(`the committee already has the most members allowed (${COMMITTEE_BOUNDS.maxMembers})`);
  return [...others, { address: member, weight }];
}

/** Checks an action against the committee as it is now (the kind's own checks ran when it was decoded). */
function checkAgainstState(frame: CallFrame, store: CommitteeStore, action: ProposalAction): void {
  if (action.kind === 'updateCommitteeMember') updatedMembers(store.members(), action.member, action.weight);
  // A regulator's consent may come after the proposal (see `consent`): checked as if given.
  else if (isNodeAction(action)) updatedNodes(frame, action, true);
  else if (isPermissionAction(action))
    // Applied to a throw-away copy of the state: a change that could not apply now is
    // refused when proposed, with the reason execution would give.
    applyPermissionAction({ ...frame, state: frame.state.child(), emit: () => {} }, action, {
      setBy: SystemAddress.Committee,
      proposalId: 0,
    });
  else if (isPilotAction(action))
    applyPilotAction({ ...frame, state: frame.state.child(), emit: () => {} }, action, {
      setBy: SystemAddress.Committee,
      proposalId: 0,
    });
}

/** The node list after a node admission action, or a revert with the reason it cannot apply now. */
function updatedNodes(frame: CallFrame, action: NodeAction, regulatorConsent: boolean): ConsensusNode[] {
  try {
    return nodeListAfter(readNodeList(frame), action, regulatorConsent);
  } catch (e) {
    revert((e as Error).message);
  }
}

function execute(frame: CallFrame, store: CommitteeStore, action: ProposalAction, p: Proposal): void {
  switch (action.kind) {
    case 'setSystemConfig': {
      // Through SystemConfig's own entry point, as the committee: the one path by which
      // system config changes, with the same checks and the same next-block rule.
      const input = concatBytes(SET_VALUE_BY_KEY, encodeAbi(['string', 'string'], [action.key, action.value]));
      systemConfigContract.call({
        ...frame,
        sender: frame.self,
        self: SystemAddress.SystemConfig,
        input,
        callStack: [...frame.callStack, hexKey(frame.self)],
      });
      return;
    }
    case 'updateCommitteeMember':
      store.saveMembers(updatedMembers(store.members(), action.member, action.weight));
      return;
    case 'setVotingRules':
      store.saveRules(action.rules);
      return;
    case 'addValidator':
    case 'addObserver':
    case 'demoteToObserver':
    case 'removeNode':
      // Checked again: the node list may have changed since the proposal was made.
      writeNodeList(frame, updatedNodes(frame, action, p.consent !== null));
      return;
    case 'registerPilot':
    case 'updatePilot':
    case 'exitPilot':
    case 'setSupervisionKey':
      applyPilotAction(frame, action, { setBy: SystemAddress.Committee, proposalId: p.id });
      return;
    default:
      applyPermissionAction(frame, action, { setBy: SystemAddress.Committee, proposalId: p.id });
  }
}

/** Ends a proposal that a vote made pass (executing it) or made unable to pass. */
function settle(frame: CallFrame, store: CommitteeStore, p: Proposal): Proposal {
  const { outcome } = tally(p.votes, store.members(), store.rules());
  if (outcome === 'pending') return p;
  const n = frame.block.number;
  if (outcome === 'pass') {
    // Decoded again from what is stored: the same bytes every node stored at proposal time.
    const action = decodeProposal(p.kind, p.payload);
    // Passed, but it moves a regulator's node: it waits, open, for a regulator's consent.
    if (isNodeAction(action) && p.consent === null && needsRegulatorConsent(readNodeList(frame), action)) return p;
    execute(frame, store, action, p);
    executedEvent.emit(frame, [BigInt(p.id)], []);
    return { ...p, status: ProposalStatus.Executed, endedAt: n };
  }
  rejectedEvent.emit(frame, [BigInt(p.id)], []);
  return { ...p, status: ProposalStatus.Rejected, endedAt: n };
}

/** An open proposal for a transaction of this block, or a reason why not. */
function openProposal(frame: CallFrame, store: CommitteeStore, id: number, doing: string): Proposal {
  const p = store.proposal(id);
  const status = statusAt(p, frame.block.number);
  if (status === ProposalStatus.Expired)
    revert(`proposal ${id} expired at block ${p.expiresAt}; it can no longer ${doing}`);
  if (status !== ProposalStatus.Open)
    revert(`proposal ${id} is ${PROPOSAL_STATUS_NAMES[status]} (at block ${p.endedAt}); it can no longer ${doing}`);
  return p;
}

function proposalId(v: unknown): number {
  const id = v as bigint;
  return id > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(id);
}

export const committeeContract = new AbiContract(
  'Committee',
  [
    'function propose(uint8 kind, bytes payload) returns (uint64 id)',
    'function vote(uint64 id, bool agree) returns (uint8 status)',
    'function revoke(uint64 id)',
    'function consent(uint64 id)',
    'function execute(uint64 id) returns (uint8 status)',
    'function getVotingRules() view returns (uint8 participationPercent, uint8 approvalPercent, uint64 proposalLifetimeBlocks)',
    'function memberCount() view returns (uint32)',
    'function getMember(uint32 index) view returns (address member, uint32 weight)',
    'function weightOf(address member) view returns (uint32)',
    'function proposalCount() view returns (uint64)',
    'function getProposal(uint64 id) view returns (uint8 kind, bytes payload, address proposer, uint64 createdAt, uint64 expiresAt, uint8 status, uint64 endedAt, uint32 voteCount)',
    'function getVote(uint64 id, uint32 index) view returns (address voter, bool agree, uint64 blockNumber)',
    'event ProposalCreated(uint64 indexed id, address indexed proposer, uint8 kind, bytes payload, uint64 expiresAt)',
    'event Voted(uint64 indexed id, address indexed voter, bool agree)',
    'event ProposalExecuted(uint64 indexed id)',
    'event ProposalRejected(uint64 indexed id)',
    'event ProposalRevoked(uint64 indexed id)',
    'event RegulatorConsented(uint64 indexed id, address indexed regulator)',
  ],
  {
    propose(frame, [kind, payload]) {
      const store = new CommitteeStore(frame);
      memberWeight(store, frame.sender, 'propose');
      let action: ProposalAction;
      try {
        action = decodeProposal(Number(kind as bigint), payload as Uint8Array);
      } catch (e) {
        if (e instanceof ProposalPayloadError) revert(e.message);
        throw e;
      }
      checkAgainstState(frame, store, action);
      const n = frame.block.number;
      const id = store.count() + 1;
      store.saveCount(id);
      // The proposer's proposal is its vote for: a committee of one decides at once.
      const created: Proposal = {
        id,
        kind: Number(kind as bigint),
        payload: payload as Uint8Array,
        proposer: frame.sender,
        createdAt: n,
        expiresAt: n + store.rules().proposalLifetimeBlocks,
        status: ProposalStatus.Open,
        endedAt: 0,
        votes: [{ voter: frame.sender, agree: true, block: n }],
        consent: null,
      };
      createdEvent.emit(frame, [BigInt(id), frame.sender], [kind, payload, BigInt(created.expiresAt)]);
      votedEvent.emit(frame, [BigInt(id), frame.sender], [true]);
      store.saveProposal(settle(frame, store, created));
      return [BigInt(id)];
    },

    vote(frame, [idArg, agree]) {
      const store = new CommitteeStore(frame);
      const id = proposalId(idArg);
      memberWeight(store, frame.sender, 'vote');
      const p = openProposal(frame, store, id, 'be voted on');
      if (p.votes.some((v) => equalBytes(v.voter, frame.sender)))
        revert(`${toHex(frame.sender)} has already voted on proposal ${id}`);
      const voted: Proposal = {
        ...p,
        votes: [...p.votes, { voter: frame.sender, agree: agree as boolean, block: frame.block.number }],
      };
      votedEvent.emit(frame, [BigInt(id), frame.sender], [agree]);
      const settled = settle(frame, store, voted);
      store.saveProposal(settled);
      return [BigInt(settled.status)];
    },

    revoke(frame, [idArg]) {
      const store = new CommitteeStore(frame);
      const id = proposalId(idArg);
      const p = openProposal(frame, store, id, 'be revoked');
      if (!equalBytes(p.proposer, frame.sender))
        revert(`only the proposer ${toHex(p.proposer)} may revoke proposal ${id}`);
      store.saveProposal({ ...p, status: ProposalStatus.Revoked, endedAt: frame.block.number });
      revokedEvent.emit(frame, [BigInt(id)], []);
      return [];
    },

    /**
     * A regulator's consent to a proposal that removes or demotes a regulator's node (the only
     * proposals that need one). A regulator named in genesis gives it with its own account; if
     * the votes already pass, the proposal executes in this transaction.
     */
    consent(frame, [idArg]) {
      const store = new CommitteeStore(frame);
      const id = proposalId(idArg);
      if (!isRegulator(accountsReader(frame.state), frame.sender))
        revert(`${toHex(frame.sender)} is not a regulator's account; only a regulator consents`);
      const p = openProposal(frame, store, id, 'be consented to');
      const action = decodeProposal(p.kind, p.payload);
      if (!isNodeAction(action) || !needsRegulatorConsent(readNodeList(frame), action))
        revert(`proposal ${id} does not move a regulator's node, so it needs no consent`);
      if (p.consent) revert(`proposal ${id} has a regulator's consent already (block ${p.consent.block})`);
      consentedEvent.emit(frame, [BigInt(id), frame.sender], []);
      store.saveProposal(
        settle(frame, store, { ...p, consent: { regulator: frame.sender, block: frame.block.number } }),
      );
      return [];
    },

    /**
     * Settles an open proposal without a new vote: one that passes now (the committee's
     * weights or rules changed since the last vote, or it could not apply then) executes; one
     * that can no longer pass is rejected. Any member may call it; a proposal still pending is
     * refused, so the call changes nothing.
     */
    execute(frame, [idArg]) {
      const store = new CommitteeStore(frame);
      const id = proposalId(idArg);
      memberWeight(store, frame.sender, 'execute proposals');
      const p = openProposal(frame, store, id, 'be executed');
      const settled = settle(frame, store, p);
      if (settled.status === ProposalStatus.Open) {
        const t = tally(p.votes, store.members(), store.rules());
        revert(
          `proposal ${id} does not pass yet (for ${t.forWeight} / against ${t.againstWeight} of ${t.totalWeight}` +
            `${p.consent === null && t.outcome === 'pass' ? ", waiting for a regulator's consent" : ''})`,
        );
      }
      store.saveProposal(settled);
      return [BigInt(settled.status)];
    },

    getVotingRules(frame) {
      const r = new CommitteeStore(frame).rules();
      return [BigInt(r.participationPercent), BigInt(r.approvalPercent), BigInt(r.proposalLifetimeBlocks)];
    },

    memberCount: (frame) => [BigInt(new CommitteeStore(frame).members().length)],

    getMember(frame, [index]) {
      const m = new CommitteeStore(frame).members()[Number(index as bigint)];
      if (!m) revert(`no member at index ${index}`);
      return [m.address, BigInt(m.weight)];
    },

    weightOf: (frame, [member]) => [BigInt(weightOf(new CommitteeStore(frame).members(), member as Uint8Array))],

    proposalCount: (frame) => [BigInt(new CommitteeStore(frame).count())],

    getProposal(frame, [idArg]) {
      const p = new CommitteeStore(frame).proposal(proposalId(idArg));
      return [
        BigInt(p.kind),
        p.payload,
        p.proposer,
        BigInt(p.createdAt),
        BigInt(p.expiresAt),
        BigInt(statusAt(p, frame.block.number)),
        BigInt(p.endedAt),
        BigInt(p.votes.length),
      ];
    },

    getVote(frame, [idArg, index]) {
      const p = new CommitteeStore(frame).proposal(proposalId(idArg));
      const v = p.votes[Number(index as bigint)];
      if (!v) revert(`proposal ${p.id} has no vote at index ${index}`);
      return [v.voter, v.agree, BigInt(v.block)];
    },
  },
);

const createdEvent = committeeContract.event('ProposalCreated');
const votedEvent = committeeContract.event('Voted');
const consentedEvent = committeeContract.event('RegulatorConsented');
const executedEvent = committeeContract.event('ProposalExecuted');
const rejectedEvent = committeeContract.event('ProposalRejected');
const revokedEvent = committeeContract.event('ProposalRevoked');
