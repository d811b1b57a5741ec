import {
  CodecError,
  decodeCanonical,
  encodeCanonical,
  equalBytes,
  type Canonical,
} from '../../node/codec/canonical.js';
import { HASH_LENGTH } from '../../node/codec/block.js';
import { preparedFromCanonical, preparedToCanonical, type PreparedCertificate } from './messages.js';

/**
 * Safety rules: the only place that decides whether this node may sign a vote. Every
 * rule is about views and hashes; checking signatures and quorums is the caller's job
 * (it hands in certificates it has verified). The state returned with a grant must be
 * persisted before the vote leaves the node, so a restarted node can never contradict
 * a vote it sent before the crash.
 *
 * Why these rules suffice (standard PBFT): a block committed at (h, v) was prepared by
 * at least f+1 honest validators at v. Any later view's proof holds view changes from a
 * quorum, so from at least one of them, reporting a prepared certificate from a view
 * >= v; the new leader must re-propose the highest reported, which by induction is the
 * committed block. That needs honest validators to (1) prepare at most one hash per
 * view, (2) commit only what they prepared in that view, (3) never vote in a view below
 * one they asked to leave, (4) report their highest prepared certificate, and (5) accept
 * a view-v proposal only as justified by its proof.
 */
export interface Vote {
  readonly view: number;
  readonly hash: Uint8Array;
}

export interface SafetyState {
  /** The height the rest refers to; votes for other heights are refused. */
  readonly height: number;
  /** Highest view entered or asked for at `height`: no vote below it, ever. */
  readonly view: number;
  /** The block this node proposed as leader at `height`, so a restarted leader never proposes twice in a view. */
  readonly proposal: Vote | null;
  /** Last prepare vote at `height`. */
  readonly prepareVote: Vote | null;
  /** Last commit vote at `height`. */
  readonly commitVote: Vote | null;
  /** Highest prepared certificate this node formed at `height` (reported in view changes). */
  readonly prepared: PreparedCertificate | null;
  /** The proposal `prepared` certifies, so a new leader can re-propose it. */
  readonly preparedPayload: Uint8Array | null;
}

export type Grant =
  | { readonly ok: true; readonly state: SafetyState }
  | { readonly ok: false; readonly reason: string };

/** What a proposal's proof obliges: null for view 0, else the highest prepared (view, hash) or none. */
export type ProposalJustification = { readonly highest: Vote | null } | null;

const refuse = (reason: string): Grant => ({ ok: false, reason });

export function initialSafetyState(height: number): SafetyState {
  return {
    height,
    view: 0,
    proposal: null,
    prepareVote: null,
    commitVote: null,
    prepared: null,
    preparedPayload: null,
  };
}

/**
 * Moves to a new height (after a commit or a sync). Never goes back: a state ahead of
 * the chain (a disk restored from an older backup) keeps refusing votes until the chain
 * catches up, rather than forgetting votes it may have sent.
 */
export function advanceHeight(s: SafetyState, height: number): SafetyState {
  return height > s.height ? initialSafetyState(height) : s;
}

function sameHeight(s: SafetyState, height: number): string | null {
  return height === s.height ? null : `vote for height ${height}, but the safety state is at height ${s.height}`;
}

/** Asking to leave every view below `view` (a view-change vote). Views only go up. */
export function voteViewChange(s: SafetyState, height: number, view: number): Grant {
  const bad = sameHeight(s, height);
  if (bad) return refuse(bad);
  if (view <= s.view) return refuse(`view change to ${view} does not advance past view ${s.view}`);
  return { ok: true, state: { ...s, view } };
}

/** Entering `view` on a valid proposal for it (which carries its own proof of the view change). */
export function enterView(s: SafetyState, height: number, view: number): Grant {
  const bad = sameHeight(s, height);
  if (bad) return refuse(bad);
  if (view < s.view) return refuse(`cannot enter view ${view} after leaving it for view ${s.view}`);
  return { ok: true, state: view === s.view ? s : { ...s, view } };
}

/** Signing a pre-prepare as leader of `view`: at most one block per view. */
export function voteProposal(s: SafetyState, height: number, view: number, hash: Uint8Array): Grant {
  const bad = sameHeight(s, height);
  if (bad) return refuse(bad);
  if (view !== s.view) return refuse(`proposal for view ${view}, but the node is at view ${s.view}`);
  if (s.proposal && s.proposal.view === view) {
    return equalBytes(s.proposal.hash, hash)
      ? { ok: true, state: s }
      : refuse(`already proposed a different block in view ${view}`);
  }
  return { ok: true, state: { ...s, proposal: { view, hash } } };
}

export function votePrepare(
  s: SafetyState,
  height: number,
  view: number,
  hash: Uint8Array,
  justification: ProposalJustification,
): Grant {
  const bad = sameHeight(s, height);
  if (bad) return refuse(bad);
  if (view !== s.view) return refuse(`prepare for view ${view}, but the node is at view ${s.view}`);
  if (s.prepareVote && s.prepareVote.view === view) {
    return equalBytes(s.prepareVote.hash, hash)
      ? { ok: true, state: s }
      : refuse(`already prepared a different block in view ${view}`);
  }
  if (view === 0) {
    if (justification !== null) return refuse('a view-0 proposal carries no view-change proof');
  } else {
    if (justification === null) return refuse(`a view-${view} proposal needs a view-change proof`);
    if (justification.highest && !equalBytes(justification.highest.hash, hash)) {
      return refuse(`the proof obliges re-proposing the block prepared in view ${justification.highest.view}`);
    }
  }
  return { ok: true, state: { ...s, prepareVote: { view, hash } } };
}

/**
 * A commit vote needs a (verified) prepared certificate for exactly the hash this node
 * prepared in this view; it records the certificate as the node's highest prepared.
 */
export function voteCommit(s: SafetyState, height: number, cert: PreparedCertificate, payload: Uint8Array): Grant {
  const bad = sameHeight(s, height);
  if (bad) return refuse(bad);
  if (cert.view !== s.view) return refuse(`commit for view ${cert.view}, but the node is at view ${s.view}`);
  if (!s.prepareVote || s.prepareVote.view !== cert.view || !equalBytes(s.prepareVote.hash, cert.hash)) {
    return refuse(`commit for a block this node did not prepare in view ${cert.view}`);
  }
  if (s.commitVote && s.commitVote.view === cert.view) {
    return equalBytes(s.commitVote.hash, cert.hash)
      ? { ok: true, state: s }
      : refuse(`already committed a different block in view ${cert.view}`);
  }
  return {
    ok: true,
    state: { ...s, commitVote: { view: cert.view, hash: cert.hash }, prepared: cert, preparedPayload: payload },
  };
}

// ---------------------------------------------------------------------------------------
// Persistence: one canonical record, written before each vote it allows.

const SAFETY_VERSION = 1;

export function encodeSafetyState(s: SafetyState): Uint8Array {
  const vote = (v: Vote | null): Canonical => (v ? [v.view, v.hash] : null);
  return encodeCanonical([
    SAFETY_VERSION,
    s.height,
    s.view,
    vote(s.proposal),
    vote(s.prepareVote),
    vote(s.commitVote),
    preparedToCanonical(s.prepared),
    s.preparedPayload,
  ]);
}

export function decodeSafetyState(bytes: Uint8Array): SafetyState {
  const v = decodeCanonical(bytes);
  if (!Array.isArray(v) || v.length !== 8) throw new CodecError('safety state must be an array of 8 fields');
  if (v[0] !== SAFETY_VERSION) throw new CodecError(`unknown safety state version ${String(v[0])}`);
  const prepared = preparedFromCanonical(v[6], 'safety state prepared');
  const payload = v[7];
  if (payload !== null && !(payload instanceof Uint8Array))
    throw new CodecError('safety state payload must be bytes or null');
  if ((prepared === null) !== (payload === null))
    throw new CodecError('safety state must hold both or neither of prepared certificate and payload');
  return {
    height: uint(v[1], 'height'),
    view: uint(v[2], 'view'),
    proposal: vote(v[3], 'proposal'),
    prepareVote: vote(v[4], 'prepareVote'),
    commitVote: vote(v[5], 'commitVote'),
    prepared,
    preparedPayload: payload,
  };
}

function vote(x: Canonical, field: string): Vote | null {
  if (x === null) return null;
  if (!Array.isArray(x) || x.length !== 2) throw new CodecError(`safety state ${field} must be null or [view, hash]`);
  return { view: uint(x[0], `${field}.view`), hash: hash32(x[1], `${field}.hash`) };
}

function uint(x: Canonical, field: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
    throw new CodecError(`safety state ${field} must be a non-negative integer`);
  return x;
}

function hash32(x: Canonical, field: string): Uint8Array {
  if (!(x instanceof Uint8Array) || x.length !== HASH_LENGTH)
    throw new CodecError(`safety state ${field} must be ${HASH_LENGTH} bytes`);
  return x;
}
