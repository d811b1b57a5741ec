import type { Logger } from 'pino';
import type { CommitCertificate } from '../codec/block.js';
import type { Chain, ReadyTx } from '../chain/chain.js';
import type { TxPool } from '../txpool/pool.js';
import type { ConsensusEngine, SoloEngineStatus } from './engine.js';
import type { NodeMetrics } from '../metrics/metrics.js';

export interface SoloOptions {
  /** Seal an empty block at least this often, so time advances on an idle chain. */
  readonly emptyBlockIntervalMs: number;
  /** After a transaction arrives, wait this long for more before sealing. */
  readonly minSealDelayMs: number;
  /** Secret key of the single sealer; it signs each block hash as a 1-of-1 certificate. */
  readonly sealerSecretKey: Uint8Array;
}

/**
 * The single-sealer engine: seals a block as soon as transactions are pending (after a
 * short batching delay) and otherwise every `emptyBlockIntervalMs`. One block at a time:
 * the next block is built only after the previous one is durably committed.
 */
export class SoloSealer implements ConsensusEngine {
  readonly name = 'solo';
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private sealing: Promise<void> | null = null;
  private lastSealAt = 0;
  private dueAt = 0;

  constructor(
    private readonly opts: SoloOptions,
    private readonly deps: { chain: Chain; pool: TxPool; logger: Logger; metrics?: NodeMetrics },
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.schedule(this.opts.emptyBlockIntervalMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sealing;
  }

  onTransactionAdmitted(): void {
    if (!this.sealing) this.schedule(this.opts.minSealDelayMs);
  }

  status(): SoloEngineStatus {
    return { engine: this.name, sealing: this.sealing !== null, lastSealAt: this.lastSealAt };
  }

  pbftView(): null {
    return null;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    // The clock only decides when to seal; what goes into the block never reads it
    // except as the proposer's header timestamp.
    const due = Date.now() + delayMs;
    if (this.timer) {
      if (this.dueAt <= due) return; // never postpone an earlier seal
      clearTimeout(this.timer);
    }
    this.dueAt = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sealing = this.sealOnce().then((sealed) => {
        this.sealing = null;
        // Left-over transactions go into the next block at once; but after a failure the
        // same transactions would fail the same way, so wait as for an empty block.
        this.schedule(sealed && this.deps.pool.size > 0 ? 0 : this.opts.emptyBlockIntervalMs);
      });
    }, delayMs);
  }

  /** Seals one block; false if that failed (logged). Never rejects. */
  private async sealOnce(): Promise<boolean> {
    const { chain, pool, logger } = this.deps;
    const started = performance.now();
    try {
      const cfg = chain.systemConfig();
      const entries = pool.pending(cfg.txCountLimit);
      const ready: ReadyTx[] = entries.map((e) => ({ tx: e.tx, hash: e.hash, sender: e.sender, size: e.size }));
      const timestamp = Math.max(Date.now(), chain.head.timestamp);
      const executed = chain.buildBlock(ready, { timestamp, proposer: 0, view: 0 });
      const cert: CommitCertificate = {
        view: 0,
        signatures: [[0, chain.suite.sign(executed.hash, this.opts.sealerSecretKey)]],
      };
      const head = await chain.commit(executed, cert);
      // Transactions skipped by the block's limits stay pending; expired ones are dropped.
      const included = new Set(executed.txHashes.map((h) => Buffer.from(h).toString('hex')));
      pool.onBlockCommitted([...included], head.number);
      this.lastSealAt = Date.now();
      this.deps.metrics?.blockCommit.observe((performance.now() - started) / 1000);
      logger.debug({ height: head.number, txs: executed.block.transactions.length }, 'block sealed');
      return true;
    } catch (e) {
      logger.error({ err: e }, 'sealing failed');
      return false;
    }
  }
}
