import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  createValidatorSet,
  decodeMessage,
  decodeSafetyState,
  encodeMessage,
  encodeSafetyState,
  PbftCore,
  type Action,
  type PbftMessage,
  type Proposal,
  type ValidatorSet,
} from '../../consensus/index.js';
import { blockHash, decodeBlock, encodeBlock, type CommitCertificate } from '../codec/block.js';
import { hexKey, toHex } from '../codec/hex.js';
import type { Chain, ExecutedBlock, ReadyTx } from '../chain/chain.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import type { NodeMetrics } from '../metrics/metrics.js';
import type { P2PNetwork } from '../p2p/index.js';
import type { TxPool } from '../txpool/pool.js';
import type { ConsensusEngine, PbftEngineStatus, PbftView } from './engine.js';
import { writeFileDurably } from './durable-file.js';
import { resolveSenders } from './senders.js';
import type { SerialQueue } from './serial-queue.js';

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
}

/** The validators in force for blocks built on the current head (from chain state). */
export function validatorSetOf(chain: Chain): ValidatorSet {
  return createValidatorSet(
    chain
      .consensusNodes()
      .filter((n) => n.role === 'sealer')
      .map((n) => n.nodeId),
  );
}

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
  /** Blocks this node executed at the current height, by hash, until one is committed. */
  private executed = new Map<string, ExecutedBlock>();
  private running = false;
  private lastCommitAt = Date.now();
  /** The core asked this node to propose; it waits for transactions or the empty-block interval. */
  private wantProposal: { height: number; view: number } | null = null;
  private proposeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: PbftEngineOptions,
    private readonly deps: PbftEngineDeps,
  ) {
    const { chain } = deps;
    const suite = chain.suite;
    const key = suite.keyPairFromSecret(opts.secretKey);
    const safety = existsSync(opts.safetyFile)
      ? decodeSafetyState(new Uint8Array(readFileSync(opts.safetyFile)))
      : undefined;
    this.core = new PbftCore({
      suite,
      signer: { publicKey: key.publicKey, sign: (digest) => suite.sign(digest, opts.secretKey) },
      inspector: {
        inspect: (payload) => {
          const b = decodeBlock(payload);
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

  private get suite(): CryptoSuite {
    return this.deps.chain.suite;
  }

  async start(): Promise<void> {
    this.running = true;
    this.deps.net.onMessage('consensus', (from, bytes) => {
      let msg: PbftMessage;
      try {
        msg = decodeMessage(bytes);
      } catch (e) {
        this.deps.logger.warn(
          { from: from.slice(0, 16), err: (e as Error).message },
          'malformed consensus message dropped',
        );
        return;
      }
      void this.input(() => this.core.onMessage(from, msg));
    });
    await this.input(() => this.startNextHeight());
  }

  async stop(): Promise<void> {
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
        await this.perform(step());
      })
      .catch((e) => this.deps.logger.error({ err: e }, 'consensus step failed'));
  }

  private async perform(actions: Action[]): Promise<void> {
    for (const a of actions) {
      switch (a.type) {
        case 'persistSafety':
          // Durable before any vote that follows it leaves the node.
          writeFileDurably(this.opts.safetyFile, encodeSafetyState(a.state));
          break;
        case 'broadcast':
          this.deps.net.broadcast('consensus', encodeMessage(a.msg));
          break;
        case 'send':
          this.deps.net.send('consensus', a.to, encodeMessage(a.msg));
          break;
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
          this.deps.logger[a.level === 'debug' ? 'debug' : a.level]({ ...a.ctx }, a.msg);
          break;
      }
    }
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
      const block = decodeBlock(proposal.payload);
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
    if (this.proposeTimer) return;
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
    const ready: ReadyTx[] = pool.pending(cfg.txCountLimit).map((e) => ({ tx: e.tx, hash: e.hash, sender: e.sender }));
    const executed = chain.buildBlock(ready, {
      timestamp: Math.max(Date.now(), chain.head.timestamp),
      proposer: me,
      view,
    });
    this.executed.set(hexKey(executed.hash), executed);
    return this.core.onProposalReady(encodeBlock(executed.block));
  }

  private async commit(proposal: Proposal, certificate: CommitCertificate): Promise<Action[]> {
    const { chain, pool, logger, metrics } = this.deps;
    const key = hexKey(proposal.header.hash);
    let executed = this.executed.get(key);
    if (!executed) {
      // Decided by a quorum in a view whose proposal this node never ran: run it now.
      const block = decodeBlock(proposal.payload);
      const senders = await resolveSenders(this.suite, block.transactions, this.deps);
      if (senders.includes(null)) throw new Error(`decided block ${proposal.header.height} has an invalid signature`);
      executed = chain.executeBlock(block, senders as Uint8Array[]);
    }
    const started = performance.now();
    const head = await chain.commit(executed, certificate);
    pool.onBlockCommitted(executed.txHashes.map(hexKey), head.number);
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
