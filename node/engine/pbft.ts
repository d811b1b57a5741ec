import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  decodeMessage,
  decodeSafetyState,
  encodeMessage,
  encodeSafetyState,
  initialSafetyState,
  PbftCore,
  type Action,
  type PbftMessage,
  type Proposal,
  type SafetyState,
} from '../../consensus/index.js';
import {
  blockHash,
  encodeBlock,
  headerFromCanonical,
  splitEncodedBlock,
  type Block,
  type CommitCertificate,
} from '../codec/block.js';
import { CodecError, decodeCanonical } from '../codec/canonical.js';
import { decodeTx, type Transaction } from '../codec/tx.js';
import { hexKey, toHex } from '../codec/hex.js';
import type { Chain, ExecutedBlock, ReadyTx } from '../chain/chain.js';
import { consensusSuiteOf, validatorSetOf } from '../chain/validators.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import type { NodeMetrics } from '../metrics/metrics.js';
import { DEFAULT_LIMITS, type P2PNetwork, type PeerPenalties } from '../p2p/index.js';
import type { TxPool } from '../txpool/pool.js';
import type { ByzantineAdversary } from './byzantine.js';
import type { ConsensusEngine, PbftEngineStatus, PbftView } from './engine.js';
import { writeFileDurably } from './durable-file.js';
import { resolveSenders } from '../txpool/senders.js';
import type { SerialQueue } from '../chain/serial-queue.js';

export interface PbftEngineOptions {
  /** This node's key: a validator's if genesis lists it as a sealer, else the core only follows. */
  readonly secretKey: Uint8Array;
  /** Where the safety state (what this node voted) is kept across restarts. */
  readonly safetyFile: string;
  readonly timeouts?: { baseMs?: number; maxMs?: number };
  /** A leader with nothing to propose waits this long before proposing an empty block. */
  readonly emptyBlockIntervalMs: number;
  /** A leader that has transactions waits this long for more before proposing. */
  readonly minSealDelayMs: number;
  /**
   * How far ahead of this node's clock a proposal's timestamp may be. Later blocks may not
   * be earlier than their parent, so a far-future timestamp, once committed, would stick.
   */
  readonly maxClockDriftMs: number;
  /** Bytes of consensus messages one peer may have waiting for the input queue. */
  readonly maxInboundBytesPerPeer: number;
  /** TEST ONLY (node/engine/byzantine.ts): a validator that misbehaves on purpose. */
  readonly adversary?: ByzantineAdversary;
}

/**
 * The safety state of a node whose safety file is missing. On a fresh chain there is nothing
 * to remember. A ledger with blocks means the file was lost (a disk restored, a power loss
 * before the directory was synced): this node may have voted at the next height before, and
 * cannot know how, so it sits that height out — the state is put one height ahead, which the
 * safety rules treat as "refuse every vote until the chain catches up" — and votes again once
 * that height is committed by the others.
 */
export function recoveringSafetyState(headNumber: number, logger?: Pick<Logger, 'warn'>): SafetyState | undefined {
  if (headNumber === 0) return undefined;
  logger?.warn(
    { head: headNumber, votesFrom: headNumber + 2 },
    'PBFT safety file missing beside a ledger with blocks: not voting until the next height is committed',
  );
  return initialSafetyState(headNumber + 2);
}

/** The safety state in `path`; a file that is not one names itself in the error. */
function readSafetyFile(path: string): SafetyState {
  try {
    return decodeSafetyState(new Uint8Array(readFileSync(path)));
  } catch (e) {
    if (e instanceof CodecError)
      throw new CodecError(`PBFT safety file ${path} is not a safety state: ${e.message}`, e.code);
    throw e;
  }
}

/**
 * Consensus messages one peer may have waiting for the input queue. An honest validator
 * sends a handful per view; a burst beyond this is a flood, and the excess is dropped.
 */
export const MAX_QUEUED_PER_PEER = 256;

/**
 * The checks of a fresh proposal that only make sense now, against this node's clock and
 * view (the rules every node applies at any time live in chain.executeBlock): a view no
 * later than the one this node is in, a timestamp no further ahead than the allowed drift.
 */
export function proposalTimeProblem(
  h: Pick<Block['header'], 'view' | 'timestamp'>,
  at: { view: number; now: number; maxClockDriftMs: number },
): string | null {
  if (h.view > at.view) return `names view ${h.view}, beyond the current view ${at.view}`;
  if (h.timestamp > at.now + at.maxClockDriftMs)
    return `timestamp ${h.timestamp} is ${h.timestamp - at.now} ms ahead of this node's clock (at most ${at.maxClockDriftMs} allowed)`;
  return null;
}

export interface PbftEngineDeps {
  readonly chain: Chain;
  readonly pool: TxPool;
  readonly recovery: SignatureRecoveryPool;
  readonly net: P2PNetwork;
  /** Shared with block sync: consensus and sync never commit at the same time. */
  readonly queue: SerialQueue;
  readonly logger: Logger;
  readonly metrics?: NodeMetrics;
  /** Peers that sent bad input, shared with tx gossip: past the limit a peer's messages are dropped unread. */
  readonly penalties: PeerPenalties;
}

/** Why the adapter dropped a consensus message (the reason label of lingding_consensus_dropped_messages_total). */
export type DropReason = 'queue_count' | 'queue_bytes' | 'malformed' | 'invalid' | 'penalised';

/**
 * Room left in a consensus frame beside the block in a pre-prepare: its fields, signature,
 * and in a later view the view changes that justify it.
 */
const PRE_PREPARE_OVERHEAD_BYTES = 512 * 1024;

/**
 * The adapter between the pure PBFT core (consensus/) and the node: carries consensus
 * messages over libp2p, runs the core's timers, executes and builds blocks on the Chain,
 * persists the safety state, and commits decided blocks with their certificates.
 * Observers run the same engine: their key is not in the validator set, so the core
 * follows (executes and commits what a quorum decided) without voting.
 */
export class PbftEngine implements ConsensusEngine {
  readonly name = 'pbft';
  private readonly core: PbftCore;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Blocks decoded from proposal payloads (by the payload's identity), while the payload lives. */
  private readonly decodedProposals = new WeakMap<Uint8Array, Block>();
  /** Blocks this node executed at the current height, by hash, until one is committed. */
  private executed = new Map<string, ExecutedBlock>();
  private running = false;
  private lastCommitAt = Date.now();
  /** The core asked this node to propose; it waits for transactions or the empty-block interval. */
  private wantProposal: { height: number; view: number } | null = null;
  private proposeTimer: NodeJS.Timeout | null = null;
  /** When proposeTimer fires (ms since the epoch). */
  private proposeAt = 0;
  /** Consensus messages (count and bytes) per peer waiting on the input queue. */
  private readonly inbound = new Map<string, { count: number; bytes: number }>();
  /** Messages the adapter dropped (over a peer's budget, undecodable, invalid, or from a penalised peer). */
  private droppedInbound = 0;

  constructor(
    private readonly opts: PbftEngineOptions,
    private readonly deps: PbftEngineDeps,
  ) {
    const { chain } = deps;
    const suite = consensusSuiteOf(chain);
    const key = suite.keyPairFromSecret(opts.secretKey);
    const safety = existsSync(opts.safetyFile)
      ? readSafetyFile(opts.safetyFile)
      : recoveringSafetyState(chain.head.number, deps.logger);
    this.core = new PbftCore({
      suite,
      signer: { publicKey: key.publicKey, sign: (digest) => suite.sign(digest, opts.secretKey) },
      inspector: {
        inspect: (payload) => {
          const b = this.decodeProposal(payload);
          return {
            height: b.header.number,
            parentHash: b.header.parentHash,
            stateRoot: b.header.stateRoot,
            hash: blockHash(suite, b.header),
          };
        },
      },
      safety,
      timeouts: opts.timeouts,
    });
  }

  /**
   * The block in a proposal's payload, decoded once: the core inspects a payload when its
   * message arrives, and the same bytes are executed and committed after.
   */
  private decodeProposal(payload: Uint8Array): Block {
    let block = this.decodedProposals.get(payload);
    if (!block) {
      // Most of a proposal's transactions were gossiped to this node and sit in its pool,
      // decoded and verified: found there by the hash of their bytes, only the rest decoded.
      const parts = splitEncodedBlock(payload);
      block = {
        header: headerFromCanonical(decodeCanonical(parts.header)),
        transactions: parts.txs.map((raw) => this.pooledTx(raw) ?? decodeTx(raw)),
      };
      this.decodedProposals.set(payload, block);
    }
    return block;
  }

  /**
   * The pool's transaction with exactly these bytes, if any. A native transaction's hash is
   * the suite's hash of its canonical bytes, so an equal hash means equal bytes. (Ethereum
   * ones, `[2, signed bytes]`, are hashed over the signed bytes alone: decoded instead.)
   */
  private pooledTx(raw: Uint8Array): Transaction | undefined {
    if (raw[0] === 0x92) return undefined;
    return this.deps.pool.get(hexKey(this.suite.hash(raw)))?.tx;
  }

  private get suite(): CryptoSuite {
    return this.deps.chain.suite;
  }

  async start(): Promise<void> {
    this.running = true;
    this.deps.net.onMessage('consensus', (from, bytes) => this.timed(() => this.receive(from, bytes)));
    await this.input(() => this.startNextHeight());
    this.opts.adversary?.start();
  }

  /**
   * A consensus message off the wire, queued for the core within its peer's budget: at most
   * MAX_QUEUED_PER_PEER messages and maxInboundBytesPerPeer bytes waiting, so a peer that
   * sends faster than this node handles its messages gets the excess dropped instead of an
   * input queue that grows without end. A penalised peer's messages are not even decoded.
   */
  private receive(from: string, bytes: Uint8Array): void {
    this.opts.adversary?.record(bytes); // TEST ONLY: a byzantine validator replays what it hears
    if (this.deps.penalties.isPenalised(from)) return this.drop('penalised');
    const queued = this.inbound.get(from) ?? { count: 0, bytes: 0 };
    if (queued.count >= MAX_QUEUED_PER_PEER)
      return this.badMessage(from, 'queue_count', 'consensus message dropped: its peer has the most messages queued', {
        queued: queued.count,
      });
    if (queued.bytes + bytes.length > this.opts.maxInboundBytesPerPeer)
      return this.badMessage(from, 'queue_bytes', 'consensus message dropped: its peer has the most bytes queued', {
        queuedBytes: queued.bytes,
        bytes: bytes.length,
        limit: this.opts.maxInboundBytesPerPeer,
      });
    let msg: PbftMessage;
    try {
      msg = decodeMessage(bytes);
    } catch (e) {
      return this.badMessage(from, 'malformed', 'malformed consensus message dropped', { err: (e as Error).message });
    }
    this.inbound.set(from, { count: queued.count + 1, bytes: queued.bytes + bytes.length });
    void this.input(() => {
      const q = this.inbound.get(from);
      if (q && q.count > 1) this.inbound.set(from, { count: q.count - 1, bytes: q.bytes - bytes.length });
      else this.inbound.delete(from);
      return this.core.onMessage(from, msg);
    });
  }

  /** Counts a consensus step toward the node's CPU breakdown (execution inside it counts as execution). */
  private timed<T>(fn: () => T): T {
    return this.deps.metrics ? this.deps.metrics.cpu.run('consensus', fn) : fn();
  }

  private drop(reason: DropReason): void {
    this.droppedInbound++;
    this.deps.metrics?.consensusDropped.inc({ reason });
  }

  /**
   * A message from `from` dropped for a fault of its sender: counted toward the peer's
   * penalty, logged at warn once per peer and window, at debug after that.
   */
  private badMessage(from: string, reason: DropReason, msg: string, ctx: Record<string, unknown>): void {
    this.drop(reason);
    this.penaliseOrLog(from, msg, ctx);
  }

  private penaliseOrLog(from: string, msg: string, ctx: Readonly<Record<string, unknown>>): void {
    if (this.deps.penalties.report(from, this.deps.logger, msg, ctx)) this.deps.metrics?.peersPenalised.inc();
  }

  async stop(): Promise<void> {
    this.opts.adversary?.stop();
    this.running = false;
    if (this.proposeTimer) clearTimeout(this.proposeTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.deps.queue.drain();
  }

  /** A transaction entered the pool: a leader waiting for one proposes shortly. */
  onTransactionAdmitted(): void {
    if (this.wantProposal) this.scheduleProposal(this.opts.minSealDelayMs);
  }

  status(): PbftEngineStatus {
    const s = this.core.status();
    const validators = validatorSetOf(this.deps.chain);
    return {
      engine: this.name,
      ...s,
      leaderNodeId: s.leader >= 0 && s.leader < validators.size ? hexKey(validators.publicKeys[s.leader]) : null,
      role: s.index >= 0 ? 'sealer' : 'observer',
      validators: validators.size,
      faultTolerance: validators.faulty,
      droppedMessages: this.droppedInbound,
    };
  }

  pbftView(): PbftView {
    const s = this.status();
    return { height: s.height, view: s.view, phase: s.phase, leader: s.leader, leaderNodeId: s.leaderNodeId };
  }

  /** Called by block sync after it committed blocks: consensus moves to the new head. */
  afterExternalCommit(): Action[] {
    this.executed.clear();
    return this.startNextHeight();
  }

  private startNextHeight(): Action[] {
    const head = this.deps.chain.head;
    return this.core.startHeight({
      height: head.number + 1,
      parentHash: head.hash,
      validators: validatorSetOf(this.deps.chain),
    });
  }

  /** Runs a core input on the serial queue and carries out the actions it returns. */
  input(step: () => Action[]): Promise<void> {
    return this.deps.queue
      .run(async () => {
        if (!this.running) return;
        await this.perform(this.timed(step));
      })
      .catch((e) => this.deps.logger.error({ err: e }, 'consensus step failed'));
  }

  private async perform(actions: Action[]): Promise<void> {
    for (const a of actions) {
      switch (a.type) {
        case 'persistSafety':
          // Durable before any vote that follows it leaves the node.
          this.timed(() => writeFileDurably(this.opts.safetyFile, encodeSafetyState(a.state)));
          break;
        case 'broadcast': {
          const bytes = this.timed(() => encodeMessage(a.msg));
          if (!this.fitsFrame(bytes, a.msg.type)) break;
          this.opts.adversary?.record(bytes);
          this.deps.net.broadcast('consensus', bytes);
          break;
        }
        case 'send': {
          const bytes = this.timed(() => encodeMessage(a.msg));
          if (this.fitsFrame(bytes, a.msg.type)) this.deps.net.send('consensus', a.to, bytes);
          break;
        }
        case 'setTimer':
          this.setTimer(a.id, a.delayMs);
          break;
        case 'execute':
          await this.perform(await this.execute(a.proposal));
          break;
        case 'propose':
          this.wantProposal = { height: a.height, view: a.view };
          this.scheduleProposal(
            this.deps.pool.size > 0
              ? this.opts.minSealDelayMs
              : Math.max(0, this.lastCommitAt + this.opts.emptyBlockIntervalMs - Date.now()),
          );
          break;
        case 'commit':
          await this.perform(await this.commit(a.proposal, a.certificate));
          break;
        case 'log':
          if (a.faultOf !== undefined) {
            this.drop('invalid');
            this.penaliseOrLog(a.faultOf, a.msg, a.ctx);
          } else this.deps.logger[a.level]({ ...a.ctx }, a.msg);
          break;
      }
    }
  }

  /**
   * The p2p layer refuses to send a message above the consensus frame limit (it would throw
   * and end this batch of actions half-done): such a message is not sent, and logged.
   */
  private fitsFrame(bytes: Uint8Array, type: number): boolean {
    if (bytes.length <= DEFAULT_LIMITS.consensus) return true;
    this.deps.logger.error(
      { type, bytes: bytes.length, limit: DEFAULT_LIMITS.consensus },
      'consensus message over the frame limit not sent',
    );
    return false;
  }

  private setTimer(id: string, delayMs: number): void {
    const old = this.timers.get(id);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      this.timers.delete(id);
      void this.input(() => this.core.onTimeout(id));
    }, delayMs);
    this.timers.set(id, t);
  }

  private async execute(proposal: Proposal): Promise<Action[]> {
    const { height, hash } = proposal.header;
    const head = this.deps.chain.head;
    if (height !== head.number + 1) return this.core.onBlockRejected(height, hash, `not on the head ${head.number}`);
    try {
      const block = this.decodeProposal(proposal.payload);
      const problem = proposalTimeProblem(block.header, {
        view: this.core.status().view,
        now: Date.now(),
        maxClockDriftMs: this.opts.maxClockDriftMs,
      });
      if (problem) return this.core.onBlockRejected(height, hash, problem);
      const senders = await resolveSenders(this.suite, block.transactions, this.deps);
      const bad = senders.indexOf(null);
      if (bad >= 0) return this.core.onBlockRejected(height, hash, `transaction ${bad} has an invalid signature`);
      const executed = this.deps.chain.executeBlock(block, senders as Uint8Array[]);
      this.executed.set(hexKey(executed.hash), executed);
      return this.core.onBlockExecuted(height, executed.hash, executed.block.header.stateRoot);
    } catch (e) {
      return this.core.onBlockRejected(height, hash, (e as Error).message);
    }
  }

  /** Proposes at most `delayMs` from now (an earlier schedule stands). */
  private scheduleProposal(delayMs: number): void {
    // A leader waiting out the empty-block interval that gets a transaction proposes soon
    // after, not when the interval ends: in a closed loop (clients that send once their last
    // transactions committed) the pool is empty at every height's start, and each block
    // waited the whole interval.
    const at = Date.now() + delayMs;
    if (this.proposeTimer) {
      if (at >= this.proposeAt) return;
      clearTimeout(this.proposeTimer);
    }
    this.proposeAt = at;
    this.proposeTimer = setTimeout(() => {
      this.proposeTimer = null;
      const want = this.wantProposal;
      this.wantProposal = null;
      if (want) void this.input(() => this.propose(want.height, want.view));
    }, delayMs);
  }

  private propose(height: number, view: number): Action[] {
    const { chain, pool } = this.deps;
    if (height !== chain.head.number + 1) return [];
    const validators = validatorSetOf(chain);
    const me = validators.indexOf(this.suite.keyPairFromSecret(this.opts.secretKey).publicKey);
    const cfg = chain.systemConfig(height);
    const ready: ReadyTx[] = pool
      .pending(cfg.txCountLimit)
      .map((e) => ({ tx: e.tx, hash: e.hash, sender: e.sender, size: e.size }));
    const executed = chain.buildBlock(ready, {
      timestamp: this.opts.adversary?.proposalTimestamp() ?? Math.max(Date.now(), chain.head.timestamp),
      proposer: me,
      view,
    });
    const payload = encodeBlock(executed.block);
    // block_bytes_limit keeps blocks well below this; should a block still come out too large
    // to travel, proposing it would only stall every view on it.
    if (payload.length > DEFAULT_LIMITS.consensus - PRE_PREPARE_OVERHEAD_BYTES) {
      this.deps.logger.error(
        { height, view, bytes: payload.length, limit: DEFAULT_LIMITS.consensus - PRE_PREPARE_OVERHEAD_BYTES },
        'built block too large for a consensus frame: not proposing it',
      );
      return [];
    }
    this.executed.set(hexKey(executed.hash), executed);
    this.decodedProposals.set(payload, executed.block);
    return this.core.onProposalReady(payload);
  }

  private async commit(proposal: Proposal, certificate: CommitCertificate): Promise<Action[]> {
    const { chain, pool, logger, metrics } = this.deps;
    const key = hexKey(proposal.header.hash);
    let executed = this.executed.get(key);
    if (!executed) {
      // Decided by a quorum in a view whose proposal this node never ran: run it now.
      const block = this.decodeProposal(proposal.payload);
      const senders = await resolveSenders(this.suite, block.transactions, this.deps);
      if (senders.includes(null)) throw new Error(`decided block ${proposal.header.height} has an invalid signature`);
      executed = chain.executeBlock(block, senders as Uint8Array[]);
    }
    const started = performance.now();
    // The payload is the block's canonical encoding (decoding checked it; the header hashes
    // to the decided one): the ledger stores those bytes rather than encoding it again.
    const head = await chain.commit({ ...executed, encodedBlock: proposal.payload }, certificate);
    this.timed(() => pool.onBlockCommitted(executed.txHashes.map(hexKey), head.number));
    this.executed = new Map();
    this.wantProposal = null;
    metrics?.blockCommit.observe((performance.now() - started) / 1000);
    this.lastCommitAt = Date.now();
    logger.debug(
      {
        height: head.number,
        txs: executed.block.transactions.length,
        hash: toHex(executed.hash),
        view: certificate.view,
      },
      'block committed',
    );
    return this.startNextHeight();
  }
}
