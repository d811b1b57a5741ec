/**
 * The regulator node's Supervisor (decisions 9-10): follows committed blocks, opens the
 * private records of the pilots its keys supervise, indexes them with their asset moves,
 * evaluates the rules on every block, stores and pushes alerts, and watches for starvation.
 * Everything it writes is derived from the chain: `reindex()` rebuilds it, and a start with
 * an index behind the chain catches up first.
 */
import type { Logger } from 'pino';
import type { ExecutedBlock } from '../chain/chain.js';
import type { Block, Receipt } from '../codec/block.js';
import { openRecord } from '../codec/envelope.js';
import { toHex } from '../codec/hex.js';
import { type Transaction, TxType, txHash } from '../codec/tx.js';
import type { SupervisionKeyPair } from '../crypto/envelope.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type Alert, evaluateBlock, pilotsOfTx, STARVED_CODE } from './evaluate.js';
import { type BlockFacts, dayOf, type PilotFacts, type RecordFact, txFact } from './facts.js';
import type { Rule } from './rules.js';
import { StarvationWatch } from './starvation.js';
import type { IndexedTx, Page, RecordQuery, SupervisionStore } from './store.js';
import { type AssetTrace, traceIdentified, traceMoves } from './trace.js';

/** What the supervisor reads of the chain (the Chain satisfies it). */
export interface SupervisedChain {
  readonly head: { readonly number: number };
  getBlock(number: number): Promise<{ readonly block: Block; readonly hash: Uint8Array } | null>;
  getReceipts(number: number): Promise<readonly Receipt[] | null>;
  getSenders(number: number): Promise<readonly Uint8Array[] | null>;
  on(event: 'block', listener: (executed: ExecutedBlock) => void): unknown;
  off(event: 'block', listener: (executed: ExecutedBlock) => void): unknown;
}

/** The pilots as PilotRegistry holds them now, and which of them this node's keys supervise. */
export interface PilotSource {
  read(): { pilots: PilotFacts[]; supervised: ReadonlySet<number> };
}

export interface SupervisorOptions {
  readonly rules: readonly Rule[];
  readonly keys: readonly SupervisionKeyPair[];
  readonly maxLagBlocks: number;
  /** consensus.emptyBlockIntervalMs + supervision.stallSlackMs. */
  readonly stallMs: number;
  readonly maxTraceTransfers: number;
}

/** What the supervisor reports of its work (Prometheus on a node; nothing here decides state). */
export interface SupervisionMetrics {
  /** A block indexed: its height, the seconds the whole block took and those of its rules, and its alerts. */
  blockIndexed(height: number, seconds: number, rulesSeconds: number, alerts: readonly Alert[]): void;
}

export interface SupervisorDeps {
  readonly chain: SupervisedChain;
  readonly suite: CryptoSuite;
  readonly pilots: PilotSource;
  readonly store: SupervisionStore;
  /** The highest head peers report (starvation watch). */
  readonly peerHead: () => number;
  readonly logger: Logger;
  /** Each alert as it is stored (the WebSocket `alerts` channel). */
  readonly onAlert: (alert: Alert) => void;
  readonly metrics?: SupervisionMetrics;
  readonly now?: () => number;
}

export class Supervisor {
  /** Serialises indexing: blocks are indexed one at a time, in order, reindex included. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly watch: StarvationWatch;
  private timer: NodeJS.Timeout | null = null;
  /** The reindex waiting or running, which further reindex calls join. */
  private reindexing: Promise<{ fromBlock: number; toBlock: number }> | null = null;
  private readonly onBlock = (executed: ExecutedBlock) => {
    void this.enqueue(() => this.indexExecuted(executed)).catch((e) =>
      this.deps.logger.error({ err: e, block: executed.block.header.number }, 'supervision: indexing a block failed'),
    );
  };

  constructor(
    private readonly opts: SupervisorOptions,
    private readonly deps: SupervisorDeps,
  ) {
    const now = deps.now ?? Date.now;
    this.watch = new StarvationWatch(
      { maxLagBlocks: opts.maxLagBlocks, stallMs: opts.stallMs },
      {
        head: () => deps.chain.head.number,
        peerHead: deps.peerHead,
        now,
        onStarved: (reason) => void this.enqueue(() => this.starved(reason, now())),
      },
    );
  }

  /** Catches the index up with the chain, then follows it. */
  async start(): Promise<void> {
    this.deps.chain.on('block', this.onBlock);
    await this.enqueue(() => this.indexUpTo(this.deps.chain.head.number));
    this.timer = setInterval(() => this.watch.check(), Math.max(100, Math.min(1000, this.opts.stallMs / 4)));
    this.timer.unref();
  }

  /** Stops following; waits for the block being indexed. */
  async stop(): Promise<void> {
    this.deps.chain.off('block', this.onBlock);
    if (this.timer) clearInterval(this.timer);
    await this.queue.catch(() => {});
  }

  /** Looks for starvation now (the timer does it on its own; tests call it). */
  checkStarvation(): void {
    this.watch.check();
  }

  /**
   * Drops the index and rebuilds it from the chain; resolves with the blocks indexed. Calls
   * made while one waits or runs share it: a rebuild reads the whole chain, so a burst of
   * reindexSupervision requests costs one rebuild, not one each.
   */
  reindex(): Promise<{ fromBlock: number; toBlock: number }> {
    this.reindexing ??= this.enqueue(async () => {
      try {
        await this.deps.store.clearDerived();
        const to = this.deps.chain.head.number;
        await this.indexUpTo(to);
        return { fromBlock: 1, toBlock: to };
      } finally {
        this.reindexing = null;
      }
    });
    return this.reindexing;
  }

  /** The last block indexed (reads wait for the blocks queued before them). */
  indexedHeight(): Promise<number> {
    return this.enqueue(() => this.deps.store.height());
  }

  records(
    q: RecordQuery,
    opts: { fromBlock?: number; limit: number; cursor?: string | null },
  ): Promise<Page<IndexedTx>> {
    return this.enqueue(() => this.deps.store.records(q, opts));
  }

  record(txHash: string): Promise<IndexedTx | null> {
    return this.enqueue(() => this.deps.store.tx(txHash));
  }

  /** Who holds the asset now and through which hops (decisions 9 and 11). */
  traceAsset(
    contract: string,
    subject: { account: string } | { tokenId: string },
  ): Promise<AssetTrace & { truncated: boolean }> {
    return this.enqueue(async () => {
      if ('tokenId' in subject) {
        const identified = await this.deps.store.assetHistory(contract, subject.tokenId, this.opts.maxTraceTransfers);
        // A contract without the identified-asset events (decision 11) is read as ERC-721.
        if (identified.events.length > 0)
          return { ...traceIdentified(contract, subject.tokenId, identified.events), truncated: identified.truncated };
      }
      const { moves, truncated } = await this.deps.store.moves(contract, this.opts.maxTraceTransfers);
      return { ...traceMoves(contract, moves, subject), truncated };
    });
  }

  /** The pilot's indexed transactions that `account` sent or took part in, with block time in [fromMs, toMs). */
  activity(pilot: number, account: string, fromMs: number, toMs: number, limit: number): Promise<IndexedTx[]> {
    return this.enqueue(async () => {
      const out: IndexedTx[] = [];
      // The day index bounds the scan to the days asked for.
      for (let day = dayOf(fromMs); day <= dayOf(Math.max(fromMs, toMs - 1)) && out.length < limit; day++) {
        let cursor: string | null = null;
        do {
          const page: Page<IndexedTx> = await this.deps.store.records(
            { by: 'day', pilot, day },
            { limit: 1000, cursor },
          );
          for (const r of page.items)
            if (r.timestamp >= fromMs && r.timestamp < toMs && involves(r, account) && out.length < limit) out.push(r);
          cursor = page.next;
        } while (cursor && out.length < limit);
      }
      return out;
    });
  }

  alerts(opts: { fromBlock: number; toBlock: number; limit: number }): Promise<Alert[]> {
    return this.enqueue(() => this.deps.store.alerts(opts));
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  private async indexUpTo(target: number): Promise<void> {
    for (let n = (await this.deps.store.height()) + 1; n <= target; n++) {
      const [stored, receipts, senders] = await Promise.all([
        this.deps.chain.getBlock(n),
        this.deps.chain.getReceipts(n),
        this.deps.chain.getSenders(n),
      ]);
      if (!stored || !receipts || !senders) throw new Error(`supervision: block ${n} is not on this node's chain`);
      const hashes = stored.block.transactions.map((tx) => txHash(this.deps.suite, tx));
      await this.indexBlock(stored.block, stored.hash, hashes, receipts, senders);
    }
  }

  private async indexExecuted(e: ExecutedBlock): Promise<void> {
    const n = e.block.header.number;
    const height = await this.deps.store.height();
    if (n <= height) return; // indexed by a catch-up or reindex already
    if (n > height + 1) await this.indexUpTo(n - 1);
    await this.indexBlock(e.block, e.hash, e.txHashes, e.receipts, e.senders);
  }

  private async indexBlock(
    block: Block,
    hash: Uint8Array,
    hashes: readonly Uint8Array[],
    receipts: readonly Receipt[],
    senders: readonly Uint8Array[],
  ): Promise<void> {
    const started = performance.now();
    const { pilots, supervised } = this.deps.pilots.read();
    const txs = block.transactions.map((tx, i) =>
      txFact(i, hashes[i], senders[i], tx.to, receipts[i], this.openEnvelope(tx, supervised)),
    );
    const facts: BlockFacts = {
      number: block.header.number,
      hash: toHex(hash),
      timestamp: block.header.timestamp,
      txs,
    };
    const rulesStarted = performance.now();
    const alerts = await evaluateBlock(this.opts.rules, { block: facts, pilots, supervised }, this.deps.store.history);
    const rulesSeconds = (performance.now() - rulesStarted) / 1000;
    const ownPilots = pilots.filter((p) => supervised.has(p.id));
    const indexed = txs
      .map((tx) => ({ tx, pilots: pilotsOfTx(tx, ownPilots) }))
      .filter((t) => t.pilots.length > 0 || alerts.some((a) => a.txHash === t.tx.hash)); // an unregistered contract's too
    await this.deps.store.writeBlock(facts, indexed, alerts);
    for (const a of alerts) this.deps.onAlert(a);
    this.deps.metrics?.blockIndexed(facts.number, (performance.now() - started) / 1000, rulesSeconds, alerts);
  }

  /** The record a transaction carries, opened with the first of this node's keys that has an entry. */
  private openEnvelope(tx: Transaction, supervised: ReadonlySet<number>): RecordFact | null {
    const envelope = tx.type === TxType.Private ? tx.envelope : null;
    if (!envelope || !supervised.has(envelope.pilotId)) return null;
    const base = { pilotId: envelope.pilotId, commitment: toHex(envelope.commitment) };
    let problem = 'the envelope has no entry for any of this node’s supervision keys';
    for (const key of this.opts.keys) {
      if (!envelope.recipients.some((r) => Buffer.from(r.keyId).equals(key.keyId))) continue;
      try {
        const opened = openRecord(envelope, key);
        return { ...base, record: opened.record, salt: opened.salt, problem: null };
      } catch (e) {
        problem = (e as Error).message;
      }
    }
    return { ...base, record: null, salt: null, problem };
  }

  private async starved(reason: string, at: number): Promise<void> {
    const alert: Alert = {
      id: `starved-${at}-${this.deps.chain.head.number}`,
      rule: STARVED_CODE,
      kind: 'supervision-starved',
      severity: 'critical',
      pilot: null,
      blockNumber: this.deps.chain.head.number,
      txHash: null,
      sender: null,
      timestamp: at,
      message: reason,
    };
    this.deps.logger.warn({ code: STARVED_CODE, head: alert.blockNumber }, `supervision starved: ${reason}`);
    try {
      await this.deps.store.putStarvationAlert(alert);
    } catch (e) {
      this.deps.logger.error({ err: e }, 'supervision: storing a starvation alert failed');
    }
    this.deps.onAlert(alert);
  }
}

function involves(r: IndexedTx, account: string): boolean {
  return r.sender === account || r.transfers.some((t) => t.from === account || t.to === account);
}
