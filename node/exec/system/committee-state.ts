import { decodeCanonical, encodeCanonical, equalBytes } from '../../codec/canonical.js';
import { concatBytes, utf8 } from '../../codec/hex.js';
import type { StateReader } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';

/**
 * The committee's state in the storage of its contract (0x…1005), in canonical form:
 * weighted members (sorted by address, so every node iterates them in one order), the
 * voting rules, the proposal count and one record per proposal. Read both by the contract
 * (through gas-charged storage) and by the RPC (straight from the head state), with the
 * same decoders.
 */

export interface CommitteeMember {
  readonly address: Uint8Array;
  readonly weight: number;
}

/** Whole percentages of committee weight: integer arithmetic only. */
export interface VotingRules {
  /** Share of the whole committee's weight that must have voted (for or against). */
  readonly participationPercent: number;
  /** Share of the weight that voted which must have voted for. */
  readonly approvalPercent: number;
  /** Blocks a proposal accepts votes for, counted from the block that created it. */
  readonly proposalLifetimeBlocks: number;
}

/** Stored statuses, plus Expired, which is never stored: an open proposal past its lifetime reads as expired. */
export const ProposalStatus = { Open: 0, Executed: 1, Rejected: 2, Revoked: 3, Expired: 4 } as const;
export type ProposalStatusCode = (typeof ProposalStatus)[keyof typeof ProposalStatus];
export const PROPOSAL_STATUS_NAMES = ['open', 'executed', 'rejected', 'revoked', 'expired'] as const;
export type ProposalStatusName = (typeof PROPOSAL_STATUS_NAMES)[number];

export interface Vote {
  readonly voter: Uint8Array;
  readonly agree: boolean;
  readonly block: number;
}

export interface Proposal {
  readonly id: number;
  readonly kind: number;
  /** The ABI-encoded arguments of the kind (see proposal-kinds.ts). */
  readonly payload: Uint8Array;
  readonly proposer: Uint8Array;
  readonly createdAt: number;
  /** The first block in which the proposal no longer accepts votes. */
  readonly expiresAt: number;
  /** As stored: never Expired. */
  readonly status: ProposalStatusCode;
  /** The block that executed, rejected or revoked it; 0 while open. */
  readonly endedAt: number;
  readonly votes: readonly Vote[];
  /**
   * A regulator's consent, which a proposal that removes or demotes a regulator's node needs
   * before it can execute (institutions alone never shut a regulator out); null without one.
   */
  readonly consent: { readonly regulator: Uint8Array; readonly block: number } | null;
}

/** Reads relative keys of the committee contract's storage. */
export type CommitteeRead = (key: Uint8Array) => Uint8Array | null;

export const CommitteeKey = {
  members: utf8('members'),
  rules: utf8('rules'),
  count: utf8('count'),
  proposal(id: number): Uint8Array {
    const idBytes = new Uint8Array(8);
    new DataView(idBytes.buffer).setBigUint64(0, BigInt(id));
    return concatBytes(utf8('proposal/'), idBytes);
  },
} as const;

export function encodeMembers(members: readonly CommitteeMember[]): Uint8Array {
  const sorted = [...members].sort((a, b) => Buffer.compare(a.address, b.address));
  return encodeCanonical(sorted.map((m) => [m.address, m.weight]));
}

export function encodeRules(r: VotingRules): Uint8Array {
  return encodeCanonical([r.participationPercent, r.approvalPercent, r.proposalLifetimeBlocks]);
}

export function encodeProposalRecord(p: Proposal): Uint8Array {
  return encodeCanonical([
    p.id,
    p.kind,
    p.payload,
    p.proposer,
    p.createdAt,
    p.expiresAt,
    p.status,
    p.endedAt,
    p.votes.map((v) => [v.voter, v.agree, v.block]),
    p.consent ? [p.consent.regulator, p.consent.block] : [],
  ]);
}

export function readMembers(read: CommitteeRead): CommitteeMember[] {
  const raw = read(CommitteeKey.members);
  if (!raw) return [];
  return (decodeCanonical(raw) as Array<[Uint8Array, number]>).map(([address, weight]) => ({ address, weight }));
}

export function readRules(read: CommitteeRead): VotingRules | null {
  const raw = read(CommitteeKey.rules);
  if (!raw) return null;
  const [participationPercent, approvalPercent, proposalLifetimeBlocks] = decodeCanonical(raw) as number[];
  return { participationPercent, approvalPercent, proposalLifetimeBlocks };
}

export function readProposalCount(read: CommitteeRead): number {
  const raw = read(CommitteeKey.count);
  return raw ? (decodeCanonical(raw) as number) : 0;
}

export function readProposal(read: CommitteeRead, id: number): Proposal | null {
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const raw = read(CommitteeKey.proposal(id));
  if (!raw) return null;
  const [pid, kind, payload, proposer, createdAt, expiresAt, status, endedAt, votes, consent] = decodeCanonical(
    raw,
  ) as [
    number,
    number,
    Uint8Array,
    Uint8Array,
    number,
    number,
    ProposalStatusCode,
    number,
    Array<[Uint8Array, boolean, number]>,
    [] | [Uint8Array, number],
  ];
  return {
    id: pid,
    kind,
    payload,
    proposer,
    createdAt,
    expiresAt,
    status,
    endedAt,
    votes: votes.map(([voter, agree, block]) => ({ voter, agree, block })),
    consent: consent.length === 2 ? { regulator: consent[0], block: consent[1] } : null,
  };
}

/** The status a proposal has for a transaction of block `height`. */
export function statusAt(p: Proposal, height: number): ProposalStatusCode {
  return p.status === ProposalStatus.Open && height >= p.expiresAt ? ProposalStatus.Expired : p.status;
}

/** Reads the committee's storage straight from a state (no gas): for the RPC and tests. */
export function committeeReader(state: StateReader): CommitteeRead {
  return (key) => state.get(storageKey(SystemAddress.Committee, key));
}

export function weightOf(members: readonly CommitteeMember[], address: Uint8Array): number {
  return members.find((m) => equalBytes(m.address, address))?.weight ?? 0;
}

export interface Tally {
  readonly totalWeight: number;
  readonly forWeight: number;
  readonly againstWeight: number;
  /** pass: both thresholds met; reject: cannot pass even if every member yet to vote votes for. */
  readonly outcome: 'pass' | 'reject' | 'pending';
}

/**
 * Counts the votes with the members' weights as they are now (a vote of someone no longer
 * a member counts nothing, as in FISCO BCOS). Integer arithmetic on whole percentages:
 * participation is (for + against) * 100 >= participationPercent * total, approval is
 * for * 100 >= approvalPercent * (for + against).
 */
export function tally(votes: readonly Vote[], members: readonly CommitteeMember[], rules: VotingRules): Tally {
  const totalWeight = members.reduce((s, m) => s + m.weight, 0);
  let forWeight = 0;
  let againstWeight = 0;
  for (const v of votes) {
    const w = weightOf(members, v.voter);
    if (v.agree) forWeight += w;
    else againstWeight += w;
  }
  const voted = forWeight + againstWeight;
  const participation = voted * 100 >= rules.participationPercent * totalWeight;
  const approval = voted > 0 && forWeight * 100 >= rules.approvalPercent * voted;
  // Best case: everyone yet to vote votes for; then all weight has voted.
  const bestFor = forWeight + (totalWeight - voted);
  const outcome =
    participation && approval ? 'pass' : bestFor * 100 < rules.approvalPercent * totalWeight ? 'reject' : 'pending';
  return { totalWeight, forWeight, againstWeight, outcome };
}
