import type { Logger } from 'pino';
import { decodeTxBatch, encodeTxBatch } from '../codec/tx-batch.js';
import type { NodeMetrics } from '../metrics/metrics.js';
import type { P2PNetwork, PeerPenalties } from '../p2p/index.js';
import { TxRejectCode, TxRejectedError } from '../txpool/errors.js';
import type { PoolEntry } from '../txpool/pool.js';

/** Stays under the p2p layer's 4 MiB transaction-channel limit with room to spare. */
const MAX_BATCH_BYTES = 2 * 1024 * 1024;
const PENDING_HANDOFF = 20_000;
const REOFFER_INTERVAL_MS = 10_000;
const REOFFER_MAX = 2_000;

function chunk(raws: Uint8Array[]): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let cur: Uint8Array[] = [];
  let bytes = 0;
  for (const r of raws) {
    if (bytes + r.length > MAX_BATCH_BYTES && cur.length) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += r.length;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Passes transactions a node admitted from its clients to every peer, so that whichever
 * validator leads next has them. Transactions admitted in one event-loop turn travel as
 * one message. The network is a full mesh of the chain's nodes, so one hop reaches all
 * and received transactions are not forwarded again.
 */
export class TxGossip {
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;
  private scheduled = false;

  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      net: P2PNetwork;
      submit: (raw: Uint8Array) => Promise<PoolEntry>;
      /** Pending transactions, oldest first: handed to peers that (re)connect. */
      pending: (max: number) => Uint8Array[];
      /** Up to `max` transactions pending for more than `ageMs`. */
      stale: (ageMs: number, max: number) => Uint8Array[];
      logger: Logger;
      /** Peers that sent bad input (shared with consensus): a penalised peer's batches are dropped unread. */
      penalties: PeerPenalties;
      metrics?: NodeMetrics;
    },
  ) {}

  start(): void {
    // A peer that was away missed what was relayed meanwhile: give it the pending set.
    this.deps.net.on('peer:connected', (peer) => {
      for (const batch of chunk(this.deps.pending(PENDING_HANDOFF)))
        this.deps.net.send('tx', peer.nodeId, encodeTxBatch(batch));
    });
    // Messages to a slow or briefly disconnected peer can be dropped; re-offer what has
    // been pending for a while, so a transaction never waits on one lost message. Only
    // old ones: re-offering a busy pool would make every peer re-check every transaction.
    this.timer = setInterval(() => {
      for (const batch of chunk(this.deps.stale(REOFFER_INTERVAL_MS, REOFFER_MAX)))
        this.deps.net.broadcast('tx', encodeTxBatch(batch));
    }, REOFFER_INTERVAL_MS);
    this.timer.unref();
    this.deps.net.onMessage('tx', (from, bytes) => this.timed(() => this.receive(from, bytes)));
  }

  private receive(from: string, bytes: Uint8Array): void {
    const { penalties, logger } = this.deps;
    if (penalties.isPenalised(from)) return;
    let raws: Uint8Array[];
    try {
      // Views of `bytes`, the network's copy of the message: the pool copies what it keeps.
      raws = decodeTxBatch(bytes);
    } catch (e) {
      return this.fault(from, 'malformed transaction batch dropped', { err: (e as Error).message });
    }
    for (const raw of raws) {
      this.deps.submit(raw).catch((e) => {
        // Duplicates and expired ones are normal (several nodes relay the same client; the
        // chain moves on). Only what no honest node relays counts against the peer: a
        // transaction that does not decode or whose signature is bad (the relaying node
        // checked it before admitting it).
        if (!(e instanceof TxRejectedError)) logger.warn({ err: e }, 'gossiped transaction failed');
        else if (e.code === TxRejectCode.Malformed || e.code === TxRejectCode.BadSignature)
          this.fault(from, 'gossiped transaction refused', { code: e.code, err: e.message });
      });
    }
  }

  private fault(from: string, msg: string, ctx: Record<string, unknown>): void {
    if (this.deps.penalties.report(from, this.deps.logger, msg, ctx)) this.deps.metrics?.peersPenalised.inc();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Queues a transaction this node admitted from a client. */
  relay(raw: Uint8Array): void {
    if (this.outboxBytes + raw.length > MAX_BATCH_BYTES) this.flush();
    this.outbox.push(raw);
    this.outboxBytes += raw.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private timed(fn: () => void): void {
    if (this.deps.metrics) this.deps.metrics.cpu.run('gossip', fn);
    else fn();
  }

  private flush(): void {
    this.timed(() => this.flushNow());
  }

  private flushNow(): void {
    this.scheduled = false;
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    this.deps.net.broadcast('tx', encodeTxBatch(batch));
  }
}
