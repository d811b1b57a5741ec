import { equalBytes } from '../../node/codec/canonical.js';
import { hexKey, toHex } from '../../node/codec/hex.js';
import type { PbftSuite } from './chain-binding.js';
import { FutureBuffer } from './buffer.js';
import { justifyNewView, toSignatureList, verifyCommitCertificate, verifyViewChange } from './certificates.js';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, viewTimeoutMs, type PbftLimits, type PbftTimeouts } from './config.js';
import {
  commitDigest,
  makeCommit,
  makePrepare,
  makePrePrepare,
  makeViewChange,
  MsgType,
  prepareDigest,
  prePrepareDigest,
  type CommitMsg,
  type DecisionMsg,
  type PbftMessage,
  type PrePrepareMsg,
  type PrepareMsg,
  type Signer,
  type ViewChangeMsg,
} from './messages.js';
import {
  advanceHeight,
  enterView,
  initialSafetyState,
  voteCommit,
  votePrepare,
  voteProposal,
  voteViewChange,
  type Grant,
  type ProposalJustification,
  type SafetyState,
} from './safety.js';
import type { Action, LogLevel, Proposal, ProposalHeader, ProposalInspector } from './types.js';
import type { ValidatorSet } from './validators.js';
import { VoteTally } from './votes.js';

export interface PbftCoreOptions {
  readonly suite: PbftSuite;
  /** This node's validator key. At heights whose set does not hold it, the core only follows. */
  readonly signer: Signer;
  readonly inspector: ProposalInspector;
  /** The persisted safety state from before a restart; omit on first start. */
  readonly safety?: SafetyState;
  readonly timeouts?: Partial<PbftTimeouts>;
  readonly limits?: Partial<PbftLimits>;
}

/** What a height runs on: the chain head it extends and the validators in force. */
export interface HeightContext {
  readonly height: number;
  readonly parentHash: Uint8Array;
  readonly validators: ValidatorSet;
}

export interface PbftStatus {
  readonly height: number;
  readonly view: number;
  /** 'voting' in a view; 'view-change' while asking for `view`; 'decided' until the next height starts. */
  readonly phase: 'idle' | 'voting' | 'view-change' | 'decided';
  readonly leader: number;
  /** Own index in the validator set, or -1 when following. */
  readonly index: number;
  readonly buffered: number;
}

type Execution = 'pending' | 'ok' | 'rejected';

/** The proposal accepted for the current view, with the obligation its proof carried. */
interface ViewProposal {
  readonly view: number;
  readonly proposal: Proposal;
  readonly justification: ProposalJustification;
  /** Re-sent to validators that ask to change to a view this node is already in. */
  readonly msg: PrePrepareMsg;
}

/** Everything that lives for one height and is dropped when the next starts (the checkpoint). */
interface Round {
  readonly ctx: HeightContext;
  readonly self: number;
  view: number;
  /** False while asking to change to `view` (view change sent, no valid proposal seen yet). */
  entered: boolean;
  decided: boolean;
  current: ViewProposal | null;
  /** The leader asked the node for a block for this view (to send with this proof). */
  awaiting: {
    readonly view: number;
    readonly proof: readonly ViewChangeMsg[];
    readonly justification: ProposalJustification;
  } | null;
  /** Proposals seen at this height by hash, from any view: a commit quorum may arrive for an older one. */
  readonly proposals: Map<string, Proposal>;
  readonly executions: Map<string, Execution>;
  readonly prepares: VoteTally;
  readonly commits: VoteTally;
  /** Latest view change per validator (honest validators' views only go up). */
  readonly viewChanges: Map<number, ViewChangeMsg>;
  sentPrepareView: number;
  sentCommitView: number;
}

const timerId = (height: number, view: number): string => `pbft/${height}/${view}`;

/**
 * PBFT for one node as a pure, deterministic state machine: inputs are method calls,
 * outputs are the returned actions (see Action). No clock, randomness, I/O or disk:
 * time arrives as onTimeout, storage as persistSafety/commit actions.
 *
 * Per height h and view v the leader is validators[(h + v) % n]. View 0 starts with the
 * leader's pre-prepare; a later view starts with the new leader's pre-prepare carrying
 * a quorum of view changes as proof (the new-view message). Validators prepare a block
 * after executing it and finding the proposer's state root; commit once a quorum
 * prepared; decide on a quorum of commits from any view of the height.
 */
export class PbftCore {
  private readonly suite: PbftSuite;
  private readonly signer: Signer;
  private readonly inspector: ProposalInspector;
  private readonly timeouts: PbftTimeouts;
  private readonly limits: PbftLimits;
  private readonly buffer: FutureBuffer;
  private safety: SafetyState | null;
  private round: Round | null = null;
  /** The last block this node decided, for validators still voting on its height. */
  private lastDecision: DecisionMsg | null = null;
  /** The validator set of lastDecision's height: who may ask for it (sets change between heights). */
  private lastDecisionValidators: ValidatorSet | null = null;
  /** Peers already sent `lastDecision`. */
  private readonly decisionSentTo = new Set<string>();
  private out: Action[] = [];

  constructor(opts: PbftCoreOptions) {
    this.suite = opts.suite;
    this.signer = opts.signer;
    this.inspector = opts.inspector;
    this.safety = opts.safety ?? null;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.buffer = new FutureBuffer(this.limits.perPeerBuffer, this.limits.perPeerBufferBytes);
  }

  // -------------------------------------------------------------------------------------
  // Inputs

  /**
   * Starts consensus on `ctx.height` (the chain head is ctx.height - 1): first at boot,
   * then after each `commit` action has been stored, or after sync moved the chain on.
   */
  startHeight(ctx: HeightContext): Action[] {
    return this.run(() => {
      if (this.round && ctx.height <= this.round.ctx.height) {
        this.log('warn', 'start of a height not above the current one ignored', {
          height: ctx.height,
          current: this.round.ctx.height,
        });
        return;
      }
      const safety = this.safety ? advanceHeight(this.safety, ctx.height) : initialSafetyState(ctx.height);
      this.setSafety(safety);
      if (safety.height !== ctx.height)
        this.log('error', 'safety state is ahead of the chain; not voting until the chain catches up', {
          height: ctx.height,
          safetyHeight: safety.height,
        });
      // After a restart in view v > 0 the node knows neither v's proposal nor a proof of v:
      // it waits in v (accepting v's pre-prepare should it come) until its timer moves it on.
      const view = safety.height === ctx.height ? safety.view : 0;
      const r: Round = {
        ctx,
        self: ctx.validators.indexOf(this.signer.publicKey),
        view,
        entered: true,
        decided: false,
        current: null,
        awaiting: null,
        proposals: new Map(),
        executions: new Map(),
        prepares: new VoteTally(),
        commits: new VoteTally(),
        viewChanges: new Map(),
        sentPrepareView: -1,
        sentCommitView: -1,
      };
      this.round = r;
      if (r.self >= 0) {
        this.armTimer(r);
        if (view === 0) this.maybePropose(r);
      }
      for (const { from, msg } of this.buffer.take(ctx.height)) this.handle(from, msg);
    });
  }

  /** A decoded message from peer `from` (decodeMessage has already checked its shape). */
  onMessage(from: string, msg: PbftMessage): Action[] {
    return this.run(() => this.handle(from, msg));
  }

  onTimeout(id: string): Action[] {
    return this.run(() => {
      const r = this.round;
      if (!r || r.decided || r.self < 0 || id !== timerId(r.ctx.height, r.view)) return; // stale
      const ctx = { height: r.ctx.height, view: r.view, leader: r.ctx.validators.leader(r.ctx.height, r.view) };
      if (!r.entered && this.leavingCount(r) < r.ctx.validators.quorum) {
        // Move past view v only once a quorum asked for it too (Castro-Liskov): otherwise
        // groups of validators a view apart stay apart forever once timeouts hit their cap.
        // Meanwhile ask again, in case the view change was lost.
        this.log('info', 'view change still lacks a quorum; asking again', ctx);
        this.armTimer(r);
        this.emit({ type: 'broadcast', msg: r.viewChanges.get(r.self)! });
        return;
      }
      this.log('info', 'view timed out', ctx);
      this.startViewChange(r, r.view + 1);
    });
  }

  /** The block this node built (and executed) after a `propose` action. */
  onProposalReady(payload: Uint8Array): Action[] {
    return this.run(() => {
      const r = this.round;
      const awaiting = r?.awaiting;
      if (!r || !awaiting || r.decided || awaiting.view !== r.view) {
        this.log('debug', 'proposal no longer wanted', {});
        return;
      }
      r.awaiting = null;
      const header = this.inspect(payload, 'own proposal', 'error');
      if (!header || !this.extendsHead(r, header, 'own proposal', 'error')) return;
      this.propose(r, awaiting.view, { header, payload }, awaiting.proof, awaiting.justification, 'ok');
    });
  }

  /** The node executed `hash` (after an `execute` action) and reached `stateRoot`. */
  onBlockExecuted(height: number, hash: Uint8Array, stateRoot: Uint8Array): Action[] {
    return this.run(() => {
      const r = this.round;
      const key = hexKey(hash);
      if (!r || r.ctx.height !== height || r.decided || r.executions.get(key) !== 'pending') return;
      const proposal = r.proposals.get(key)!;
      if (equalBytes(proposal.header.stateRoot, stateRoot)) r.executions.set(key, 'ok');
      else {
        r.executions.set(key, 'rejected');
        this.log('warn', 'proposal state root differs from local execution; not voting for it', {
          height,
          hash: toHex(hash),
          claimed: toHex(proposal.header.stateRoot),
          local: toHex(stateRoot),
        });
      }
      this.progress(r, hash);
    });
  }

  /** The node could not execute `hash` (undecodable, invalid transactions, wrong parent...). */
  onBlockRejected(height: number, hash: Uint8Array, reason: string): Action[] {
    return this.run(() => {
      const r = this.round;
      const key = hexKey(hash);
      if (!r || r.ctx.height !== height || r.executions.get(key) !== 'pending') return;
      r.executions.set(key, 'rejected');
      this.log('warn', 'proposal rejected by execution', { height, hash: toHex(hash), reason });
    });
  }

  status(): PbftStatus {
    const r = this.round;
    if (!r) return { height: 0, view: 0, phase: 'idle', leader: -1, index: -1, buffered: this.buffer.size };
    return {
      height: r.ctx.height,
      view: r.view,
      phase: r.decided ? 'decided' : r.entered ? 'voting' : 'view-change',
      leader: r.ctx.validators.leader(r.ctx.height, r.view),
      index: r.self,
      buffered: this.buffer.size,
    };
  }

  // -------------------------------------------------------------------------------------
  // Message intake

  private handle(from: string, msg: PbftMessage): void {
    const r = this.round;
    if (!r) {
      this.log('debug', 'message before the first height started', { from, type: msg.type });
      return;
    }
    const height = r.ctx.height;
    if (msg.type === MsgType.ViewChange && msg.height === this.lastDecision?.height) {
      // A validator still asking for a view of the height this node just decided is stuck
      // one block behind: hand it the decision rather than leaving it to sync.
      // Once per peer and decided height: the decision carries the whole block, and replayed
      // view changes must not make this node send it again and again.
      if (this.decisionSentTo.has(from)) return;
      if (verifyViewChange(this.suite, this.lastDecisionValidators ?? r.ctx.validators, msg).ok) {
        this.decisionSentTo.add(from);
        this.emit({ type: 'send', to: from, msg: this.lastDecision });
      }
      return;
    }
    if (msg.height < height) {
      this.log('debug', 'message for a past height dropped', {
        from,
        type: msg.type,
        height: msg.height,
        current: height,
      });
      return;
    }
    if (msg.height > height) {
      if (msg.height > height + this.limits.futureHeights) {
        this.log('debug', 'message too far in the future dropped', { from, height: msg.height, current: height });
        return;
      }
      // Checked before it may take memory: a stranger's bytes are not held on trust.
      const problem = this.futureMessageProblem(r, msg);
      if (problem) {
        // debug, not warn: a flood of these must not turn into a flood of log lines.
        this.log('debug', `future message dropped: ${problem}`, { from, type: msg.type, height: msg.height });
        return;
      }
      if (!this.buffer.add(from, msg))
        this.log('debug', 'future-message buffer full for peer (count or bytes); dropped', {
          from,
          height: msg.height,
          bytesHeld: this.buffer.bytesHeld(from),
        });
      return;
    }
    if (r.decided) return; // the height is over; late votes change nothing
    if (msg.type === MsgType.Decision) return this.onDecision(r, from, msg);
    if (msg.signer >= r.ctx.validators.size) {
      this.fault(from, 'message from a non-validator dropped', { type: msg.type, signer: msg.signer });
      return;
    }
    if (msg.type !== MsgType.PrePrepare && msg.view > r.view + this.limits.maxViewAhead) {
      this.log('warn', 'message for a view too far ahead dropped', {
        from,
        type: msg.type,
        view: msg.view,
        current: r.view,
      });
      return;
    }
    switch (msg.type) {
      case MsgType.PrePrepare:
        return this.onPrePrepare(r, from, msg);
      case MsgType.Prepare:
        return this.onPrepare(r, from, msg);
      case MsgType.Commit:
        return this.onCommit(r, from, msg);
      case MsgType.ViewChange:
        return this.onViewChange(r, from, msg);
    }
  }

  private onPrePrepare(r: Round, from: string, m: PrePrepareMsg): void {
    const ctx = { from, height: m.height, view: m.view, signer: m.signer };
    if (m.signer !== r.ctx.validators.leader(r.ctx.height, m.view))
      return this.log('warn', 'pre-prepare from a validator that does not lead its view', ctx);
    const { suite } = this;
    if (m.view < r.view || (m.view === r.view && r.current)) {
      if (r.current && m.view === r.current.view) {
        // Only a correctly signed second block is evidence against the leader.
        const hash = this.hashOf(m.payload);
        if (
          !equalBytes(hash, r.current.proposal.header.hash) &&
          suite.verify(
            prePrepareDigest(suite, m.height, m.view, hash),
            m.signature,
            r.ctx.validators.publicKeys[m.signer],
          )
        ) {
          this.log('warn', 'leader equivocated: second pre-prepare for one view ignored', ctx);
        }
      }
      return;
    }
    const header = this.inspect(m.payload, 'pre-prepare', 'warn');
    if (!header || !this.extendsHead(r, header, 'pre-prepare', 'warn')) return;
    if (
      !suite.verify(
        prePrepareDigest(suite, m.height, m.view, header.hash),
        m.signature,
        r.ctx.validators.publicKeys[m.signer],
      )
    ) {
      return this.fault(from, 'pre-prepare signature invalid', ctx);
    }
    let justification: ProposalJustification = null;
    if (m.view === 0) {
      if (m.viewChanges.length > 0) return this.log('warn', 'view-0 pre-prepare carries a view-change proof', ctx);
    } else {
      const j = justifyNewView(suite, r.ctx.validators, r.ctx.height, m.view, m.viewChanges);
      if (!j.ok) return this.log('warn', `new-view proof invalid: ${j.reason}`, ctx);
      if (j.highest && !equalBytes(j.highest.hash, header.hash))
        return this.log('warn', 'new-view does not re-propose the highest prepared block', ctx);
      justification = { highest: j.highest };
    }
    // A validator whose safety state is ahead of the chain (it may have voted at this height
    // before losing that record) follows the proposal as an observer does, voting for
    // nothing, so it still commits the height on the others' votes and then votes again.
    if (r.self >= 0 && this.safety!.height === r.ctx.height) {
      const grant = enterView(this.safety!, r.ctx.height, m.view);
      if (!grant.ok) return this.log('debug', `pre-prepare not followed: ${grant.reason}`, ctx);
      this.setSafety(grant.state);
    }
    this.enter(r, m.view);
    this.accept(r, { view: m.view, proposal: { header, payload: m.payload }, justification, msg: m }, 'pending');
  }

  private onPrepare(r: Round, from: string, m: PrepareMsg): void {
    if (m.view < r.view) return; // prepares only matter in the current view (or a later one)
    if (!this.verifyVote(r, from, m, prepareDigest(this.suite, m.height, m.view, m.hash))) return;
    if (this.tally(r.prepares, m, from) && m.view === r.view) this.tryCommitVote(r);
  }

  private onCommit(r: Round, from: string, m: CommitMsg): void {
    // Commits from any view of this height count: a quorum in any view decides the block.
    if (!this.verifyVote(r, from, m, commitDigest(this.suite, m.height, m.view, m.hash))) return;
    if (this.tally(r.commits, m, from)) this.tryDecide(r, m.view, m.hash);
  }

  private onViewChange(r: Round, from: string, m: ViewChangeMsg): void {
    const ctx = { from, height: m.height, view: m.view, signer: m.signer };
    const check = verifyViewChange(this.suite, r.ctx.validators, m);
    if (!check.ok) return this.fault(from, `view change invalid: ${check.reason}`, ctx);
    if (m.prepared) {
      // The payload travels unsigned beside the certificate: it must hash to what was prepared.
      const header = m.payload ? this.inspect(m.payload, 'view-change payload', 'warn') : null;
      if (
        !header ||
        !equalBytes(header.hash, m.prepared.hash) ||
        !this.extendsHead(r, header, 'view-change payload', 'warn')
      ) {
        return this.log('warn', 'view change without the proposal its certificate prepared', ctx);
      }
      const key = hexKey(header.hash);
      if (!r.proposals.has(key)) r.proposals.set(key, { header, payload: m.payload! });
    } else if (m.payload) return this.log('warn', 'view change carries a payload but no certificate', ctx);

    if (m.view < r.view || (m.view === r.view && r.entered)) {
      // The sender missed the proposal of a view this node is in: the proof in it lets the sender follow.
      if (r.current && r.current.view > 0) this.emit({ type: 'send', to: from, msg: r.current.msg });
      return;
    }
    const prior = r.viewChanges.get(m.signer);
    if (prior && prior.view >= m.view) return;
    r.viewChanges.set(m.signer, m);
    if (r.self < 0) return;
    this.joinViewChange(r);
    this.tryNewView(r);
  }

  private onDecision(r: Round, from: string, m: DecisionMsg): void {
    const header = this.inspect(m.payload, 'decision', 'warn');
    if (!header || !this.extendsHead(r, header, 'decision', 'warn')) return;
    const check = verifyCommitCertificate(this.suite, r.ctx.validators, r.ctx.height, header.hash, m.certificate);
    if (!check.ok) return this.fault(from, `decision certificate invalid: ${check.reason}`, { height: m.height });
    const key = hexKey(header.hash);
    if (!r.proposals.has(key)) r.proposals.set(key, { header, payload: m.payload });
    for (const [signer, signature] of m.certificate.signatures)
      r.commits.add(m.certificate.view, signer, header.hash, signature);
    this.requestExecution(r, header.hash);
    this.tryDecide(r, m.certificate.view, header.hash);
  }

  // -------------------------------------------------------------------------------------
  // Voting

  /** After anything that may unblock a vote or a decision on `hash`. */
  private progress(r: Round, hash: Uint8Array): void {
    this.tryPrepare(r);
    this.tryCommitVote(r);
    for (const view of [...r.commits.views()]) {
      if (r.decided) return;
      this.tryDecide(r, view, hash);
    }
  }

  private tryPrepare(r: Round): void {
    const cur = r.current;
    if (r.self < 0 || r.decided || !r.entered || !cur || cur.view !== r.view || r.sentPrepareView === r.view) return;
    const hash = cur.proposal.header.hash;
    if (r.executions.get(hexKey(hash)) !== 'ok') return;
    if (!this.grant(votePrepare(this.safety!, r.ctx.height, r.view, hash, cur.justification), 'prepare', r)) return;
    r.sentPrepareView = r.view;
    const msg = makePrepare(this.suite, this.signer, r.self, r.ctx.height, r.view, hash);
    r.prepares.add(r.view, r.self, hash, msg.signature);
    this.emit({ type: 'broadcast', msg });
    this.tryCommitVote(r);
  }

  private tryCommitVote(r: Round): void {
    const cur = r.current;
    if (
      r.self < 0 ||
      r.decided ||
      r.sentPrepareView !== r.view ||
      r.sentCommitView === r.view ||
      !cur ||
      cur.view !== r.view
    )
      return;
    const hash = cur.proposal.header.hash;
    const votes = r.prepares.votesFor(r.view, hash);
    if (votes.size < r.ctx.validators.quorum) return;
    const cert = { view: r.view, hash, signatures: toSignatureList(votes).slice(0, r.ctx.validators.quorum) };
    if (!this.grant(voteCommit(this.safety!, r.ctx.height, cert, cur.proposal.payload), 'commit', r)) return;
    r.sentCommitView = r.view;
    const msg = makeCommit(this.suite, this.signer, r.self, r.ctx.height, r.view, hash);
    r.commits.add(r.view, r.self, hash, msg.signature);
    this.emit({ type: 'broadcast', msg });
    this.tryDecide(r, r.view, hash);
  }

  private tryDecide(r: Round, view: number, hash: Uint8Array): void {
    if (r.decided) return;
    const votes = r.commits.votesFor(view, hash);
    if (votes.size < r.ctx.validators.quorum) return;
    const key = hexKey(hash);
    const proposal = r.proposals.get(key);
    const ctx = { height: r.ctx.height, view, hash: toHex(hash) };
    if (!proposal) return this.log('info', 'commit quorum for a block this node has not received; waiting for it', ctx);
    const execution = r.executions.get(key);
    if (execution === 'rejected')
      return this.log('error', 'a quorum committed a block this node rejects: local execution has diverged', ctx);
    if (execution !== 'ok') return this.requestExecution(r, hash);
    const certificate = { view, signatures: toSignatureList(votes).slice(0, r.ctx.validators.quorum) };
    r.decided = true;
    this.lastDecision = { type: MsgType.Decision, height: r.ctx.height, payload: proposal.payload, certificate };
    this.lastDecisionValidators = r.ctx.validators;
    this.decisionSentTo.clear();
    this.log('info', 'block committed', ctx);
    this.emit({ type: 'commit', proposal, certificate });
  }

  // -------------------------------------------------------------------------------------
  // Views

  private startViewChange(r: Round, view: number): void {
    if (!this.grant(voteViewChange(this.safety!, r.ctx.height, view), 'view change', r)) return;
    r.view = view;
    r.entered = false;
    r.current = null;
    r.awaiting = null;
    r.prepares.pruneBelow(view);
    this.armTimer(r);
    const s = this.safety!;
    const msg = makeViewChange(this.suite, this.signer, r.self, r.ctx.height, r.view, s.prepared, s.preparedPayload);
    r.viewChanges.set(r.self, msg);
    if (s.preparedPayload) {
      // After a restart the prepared proposal is known only from the safety state.
      const header = this.inspect(s.preparedPayload, 'own prepared proposal', 'error');
      if (header && !r.proposals.has(hexKey(header.hash)))
        r.proposals.set(hexKey(header.hash), { header, payload: s.preparedPayload });
    }
    this.emit({ type: 'broadcast', msg });
    this.tryNewView(r);
  }

  /**
   * Joins a view change only when f+1 other validators are already past this node's view:
   * at least one of them is honest, so no f validators can drag the others into a view
   * change (let alone to an absurd view). It joins the highest view f+1 of them reached.
   */
  private joinViewChange(r: Round): void {
    const ahead: number[] = [];
    for (const vc of r.viewChanges.values()) if (vc.signer !== r.self && vc.view > r.view) ahead.push(vc.view);
    const f = r.ctx.validators.faulty;
    if (ahead.length < f + 1) return;
    ahead.sort((a, b) => b - a);
    this.startViewChange(r, ahead[f]);
  }

  /** Validators (this one included) whose latest view change asks for r.view or a later view. */
  private leavingCount(r: Round): number {
    let n = 0;
    for (const vc of r.viewChanges.values()) if (vc.view >= r.view) n++;
    return n;
  }

  /** As leader of a view being changed to, once a quorum asked for it: propose with their proof. */
  private tryNewView(r: Round): void {
    const { validators, height } = r.ctx;
    if (r.entered || r.awaiting || validators.leader(height, r.view) !== r.self) return;
    const proof: ViewChangeMsg[] = [];
    for (const vc of r.viewChanges.values()) if (vc.view === r.view) proof.push({ ...vc, payload: null });
    if (proof.length < validators.quorum) return;
    proof.sort((a, b) => a.signer - b.signer);
    const j = justifyNewView(this.suite, validators, height, r.view, proof);
    if (!j.ok) return this.log('error', `own new-view proof invalid: ${j.reason}`, { height, view: r.view });
    const justification = { highest: j.highest };
    if (!j.highest) {
      r.awaiting = { view: r.view, proof, justification };
      this.emit({ type: 'propose', height, view: r.view });
      return;
    }
    // Stored when the view change carrying it was accepted (or, for our own, when sent).
    const proposal = r.proposals.get(hexKey(j.highest.hash));
    if (!proposal)
      return this.log('error', 'the block a new view must re-propose is unknown', {
        height,
        view: r.view,
        hash: toHex(j.highest.hash),
      });
    this.propose(r, r.view, proposal, proof, justification, 'pending');
  }

  /** Signs and broadcasts this node's pre-prepare for `view` and treats it as received. */
  private propose(
    r: Round,
    view: number,
    proposal: Proposal,
    proof: readonly ViewChangeMsg[],
    justification: ProposalJustification,
    execution: Execution,
  ): void {
    const { height } = r.ctx;
    const hash = proposal.header.hash;
    if (!this.grant(enterView(this.safety!, height, view), 'new view', r)) return;
    if (!this.grant(voteProposal(this.safety!, height, view, hash), 'proposal', r)) return;
    const msg = makePrePrepare(this.suite, this.signer, r.self, height, view, hash, proposal.payload, proof);
    this.emit({ type: 'broadcast', msg });
    this.enter(r, view);
    this.accept(r, { view, proposal, justification, msg }, execution);
  }

  /** Leader of view 0 at the start of a height: ask the node for a block, unless already proposed before a restart. */
  private maybePropose(r: Round): void {
    if (r.ctx.validators.leader(r.ctx.height, 0) !== r.self) return;
    if (this.safety!.proposal?.view === 0) {
      this.log('info', 'already proposed in this view before a restart; waiting for the view to time out', {
        height: r.ctx.height,
        view: r.view,
      });
      return;
    }
    r.awaiting = { view: r.view, proof: [], justification: null };
    this.emit({ type: 'propose', height: r.ctx.height, view: r.view });
  }

  private enter(r: Round, view: number): void {
    const changed = r.view !== view || !r.entered;
    r.view = view;
    r.entered = true;
    r.awaiting = null;
    r.prepares.pruneBelow(view);
    if (changed && r.self >= 0) this.armTimer(r); // a fresh view gets a full period
  }

  private accept(r: Round, vp: ViewProposal, execution: Execution): void {
    r.current = vp;
    const hash = vp.proposal.header.hash;
    const key = hexKey(hash);
    if (!r.proposals.has(key)) r.proposals.set(key, vp.proposal);
    if (execution === 'ok') r.executions.set(key, 'ok');
    this.requestExecution(r, hash);
    this.progress(r, hash);
  }

  private requestExecution(r: Round, hash: Uint8Array): void {
    const key = hexKey(hash);
    if (r.executions.has(key)) return;
    r.executions.set(key, 'pending');
    this.emit({ type: 'execute', proposal: r.proposals.get(key)! });
  }

  // -------------------------------------------------------------------------------------
  // Helpers

  private run(body: () => void): Action[] {
    this.out = [];
    body();
    const out = this.out;
    this.out = [];
    return out;
  }

  private emit(a: Action): void {
    this.out.push(a);
  }

  private log(level: LogLevel, msg: string, ctx: Record<string, unknown>): void {
    this.emit({ type: 'log', level, msg, ctx });
  }

  /** A message from `from` that no honest node sends: logged, and marked so the adapter can penalise the peer. */
  private fault(from: string, msg: string, ctx: Record<string, unknown>): void {
    this.emit({ type: 'log', level: 'warn', msg, ctx: { ...ctx, from }, faultOf: from });
  }

  private armTimer(r: Round): void {
    this.emit({ type: 'setTimer', id: timerId(r.ctx.height, r.view), delayMs: viewTimeoutMs(this.timeouts, r.view) });
  }

  /** Applies a safety grant (persisting the new state first) or logs the refusal. */
  private grant(g: Grant, what: string, r: Round): boolean {
    if (!g.ok) {
      this.log('warn', `${what} refused by safety rules: ${g.reason}`, { height: r.ctx.height, view: r.view });
      return false;
    }
    this.setSafety(g.state);
    return true;
  }

  private setSafety(s: SafetyState): void {
    if (s === this.safety) return;
    this.safety = s;
    this.emit({ type: 'persistSafety', state: s });
  }

  private verifyVote(r: Round, from: string, m: PrepareMsg | CommitMsg, digest: Uint8Array): boolean {
    if (this.suite.verify(digest, m.signature, r.ctx.validators.publicKeys[m.signer])) return true;
    this.fault(from, `${m.type === MsgType.Prepare ? 'prepare' : 'commit'} signature invalid`, {
      height: m.height,
      view: m.view,
      signer: m.signer,
    });
    return false;
  }

  /** True when the vote is new. */
  private tally(t: VoteTally, m: PrepareMsg | CommitMsg, from: string): boolean {
    const res = t.add(m.view, m.signer, m.hash, m.signature);
    if (res === 'equivocation') {
      this.log(
        'warn',
        `validator equivocated: second ${m.type === MsgType.Prepare ? 'prepare' : 'commit'} in one view ignored`,
        { from, height: m.height, view: m.view, signer: m.signer },
      );
    }
    return res === 'added';
  }

  private inspect(payload: Uint8Array, what: string, level: LogLevel): ProposalHeader | null {
    try {
      return this.inspector.inspect(payload);
    } catch (e) {
      this.log(level, `${what} payload malformed: ${(e as Error).message}`, {});
      return null;
    }
  }

  /**
   * Why a message for a future height may not be buffered, or null: it must be signed by a
   * member of the current validator set (the best knowledge of that height's set; the
   * signature is checked again against the right set on replay).
   */
  private futureMessageProblem(r: Round, m: PbftMessage): string | null {
    const { suite } = this;
    const validators = r.ctx.validators;
    if (m.type === MsgType.Decision) {
      const check = verifyCommitCertificate(suite, validators, m.height, this.hashOf(m.payload), m.certificate);
      return check.ok ? null : `decision certificate does not verify: ${check.reason}`;
    }
    if (m.signer >= validators.size) return 'signer is not a validator';
    const key = validators.publicKeys[m.signer];
    switch (m.type) {
      case MsgType.PrePrepare:
        if (m.signer !== validators.leader(m.height, m.view)) return 'pre-prepare from a validator that does not lead';
        return suite.verify(prePrepareDigest(suite, m.height, m.view, this.hashOf(m.payload)), m.signature, key)
          ? null
          : 'pre-prepare signature invalid';
      case MsgType.Prepare:
        return suite.verify(prepareDigest(suite, m.height, m.view, m.hash), m.signature, key)
          ? null
          : 'prepare signature invalid';
      case MsgType.Commit:
        return suite.verify(commitDigest(suite, m.height, m.view, m.hash), m.signature, key)
          ? null
          : 'commit signature invalid';
      case MsgType.ViewChange: {
        const check = verifyViewChange(suite, validators, m);
        return check.ok ? null : `view change invalid: ${check.reason}`;
      }
    }
  }

  private hashOf(payload: Uint8Array): Uint8Array {
    try {
      return this.inspector.inspect(payload).hash;
    } catch {
      return new Uint8Array(0);
    }
  }

  private extendsHead(r: Round, h: ProposalHeader, what: string, level: LogLevel): boolean {
    if (h.height === r.ctx.height && equalBytes(h.parentHash, r.ctx.parentHash)) return true;
    this.log(level, `${what} does not extend the chain head`, { height: h.height, expected: r.ctx.height });
    return false;
  }
}
