import type { Logger } from 'pino';
import { CodecError, decodeCanonical, encodeCanonical } from '../codec/canonical.js';
import type { P2PNetwork } from '../p2p/index.js';
import { TxRejectedError } from '../txpool/errors.js';
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
    },
  ) {}

  start(): void {
    // A peer that was away missed what was relayed meanwhile: give it the pending set.
    this.deps.net.on('peer:connected', (peer) => {
      for (const batch of chunk(this.deps.pending(PENDING_HANDOFF)))
        this.deps.net.send('tx', peer.nodeId, encodeCanonical(batch));
    });
    // Messages to a slow or briefly disconnected peer can be dropped; re-offer what has
    // been pending for a while, so a transaction never waits on one lost message. Only
    // old ones: re-offering a busy pool would make every peer re-check every transaction.
    this.timer = setInterval(() => {
      for (const batch of chunk(this.deps.stale(REOFFER_INTERVAL_MS, REOFFER_MAX)))
        this.deps.net.broadcast('tx', encodeCanonical(batch));
    }, REOFFER_INTERVAL_MS);
    this.timer.unref();
    this.deps.net.onMessage('tx', (from, bytes) => {
      let raws: Uint8Array[];
      try {
        const v = decodeCanonical(bytes);
        if (!Array.isArray(v) || !v.every((x) => x instanceof Uint8Array))
          throw new CodecError('transaction batch must be an array of byte strings');
        raws = v as Uint8Array[];
      } catch (e) {
        this.deps.logger.warn(
          { from: from.slice(0, 16), err: (e as Error).message },
          'malformed transaction batch dropped',
        );
        return;
      }
      for (const raw of raws) {
        this.deps.submit(raw).catch((e) => {
          // Duplicates are normal (several nodes may relay the same client); the rest is worth a debug line.
          if (!(e instanceof TxRejectedError)) this.deps.logger.warn({ err: e }, 'gossiped transaction failed');
        });
      }
    });
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

  private flush(): void {
    this.scheduled = false;
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    this.deps.net.broadcast('tx', encodeCanonical(batch));
  }
}
