import type { Logger } from 'pino';
import { verifyCommitCertificate } from '../../consensus/index.js';
import type { Chain } from '../chain/chain.js';
import { consensusSuiteOf, validatorSetOf } from '../chain/validators.js';
import {
  blockFromCanonical,
  blockHash,
  certFromCanonical,
  certToCanonical,
  CodecError,
  decodeCanonical,
  encodeCanonical,
  headerToCanonical,
  txToCanonical,
  type Block,
  type Canonical,
  type CommitCertificate,
} from '../codec/index.js';
import { hexKey } from '../codec/hex.js';
import type { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { resolveSenders } from '../txpool/senders.js';
import { type PhaseTimer, untimed } from '../metrics/cpu-clock.js';
import type { SerialQueue } from '../chain/serial-queue.js';
import { DEFAULT_LIMITS, type P2PNetwork } from '../p2p/index.js';
import type { TxPool } from '../txpool/pool.js';

/** The node config's `sync` section (defaults in node/config/defaults.ts). */
export interface BlockSyncOptions {
  /** How often to ask peers for their heads. */
  readonly pollIntervalMs: number;
  /** Blocks per request. */
  readonly batchSize: number;
  /** How long a peer that served a bad block is ignored. */
  readonly penaltyMs: number;
  /** Block requests this node serves one peer per second: a token bucket holding this many. */
  readonly maxServedRequestsPerSecond: number;
}

/** The response limit every node's p2p layer enforces on a `blocks` reply. */
export const MAX_BLOCKS_RESPONSE_BYTES = DEFAULT_LIMITS.response;
/** The largest msgpack array header (0xdd + uint32 length). */
const RESPONSE_ARRAY_HEADER_BYTES = 5;

export interface SyncStatus {
  readonly blockNumber: number;
  readonly highestPeerBlock: number;
  readonly syncing: boolean;
  readonly blocksSynced: number;
  readonly penalisedPeers: number;
}

/**
 * Brings a node that is behind (new, restarted, or an observer that missed messages) up
 * to its peers: asks connected peers for their heads, fetches batches of blocks with
 * their commit certificates from the peers ahead (rotating between them), and for every
 * block checks the certificate against the validator set in force at that height,
 * re-executes it, checks the state root, and only then commits it. A peer that serves a
 * block that does not check is ignored for `penaltyMs`.
 */
export class BlockSync {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private busy = false;
  private readonly peerHeads = new Map<string, number>();
  private readonly penalised = new Map<string, number>();
  private nextPeer = 0;
  private synced = 0;
  /** Per requesting peer (admitted nodes only, so few): serving tokens left and when they were counted. */
  private readonly serveBuckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly opts: BlockSyncOptions,
    private readonly deps: {
      chain: Chain;
      pool: TxPool;
      recovery: SignatureRecoveryPool;
      net: P2PNetwork;
      queue: SerialQueue;
      logger: Logger;
      /** Tells consensus that the head moved under it. */
      onCommitted: () => Promise<void>;
      /** Counts serving and checking blocks toward the node's CPU breakdown. */
      cpu?: PhaseTimer;
    },
  ) {}

  start(): void {
    this.running = true;
    this.deps.net.handleRequest('status', () => {
      const h = this.deps.chain.head;
      return encodeCanonical([h.number, h.hash]);
    });
    this.deps.net.handleRequest('blocks', (from, req) =>
      this.timed(() => (this.takeServeToken(from) ? this.serveBlocks(req) : this.refuseServing(from))),
    );
    this.deps.net.on('peer:connected', () => this.kick());
    this.schedule();
  }

  private timed<T>(fn: () => T): T {
    return (this.deps.cpu ?? untimed).run('sync', fn);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  status(): SyncStatus {
    const blockNumber = this.deps.chain.head.number;
    const highestPeerBlock = Math.max(blockNumber, ...this.peerHeads.values());
    return {
      blockNumber,
      highestPeerBlock,
      syncing: highestPeerBlock > blockNumber,
      blocksSynced: this.synced,
      penalisedPeers: this.penalised.size,
    };
  }

  /** Look at peers now rather than at the next poll (a peer connected, or consensus saw a future height). */
  kick(): void {
    if (this.running && !this.busy) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.round(), 0);
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.round(), this.opts.pollIntervalMs);
  }

  private async round(): Promise<void> {
    if (this.busy || !this.running) return;
    this.busy = true;
    try {
      await this.pollHeads();
      while (this.running && (await this.fetchNext())) {
        /* keep going while peers are ahead */
      }
    } catch (e) {
      this.deps.logger.warn({ err: (e as Error).message }, 'sync round failed');
    } finally {
      this.busy = false;
      this.schedule();
    }
  }

  private async pollHeads(): Promise<void> {
    const now = Date.now();
    for (const [peer, until] of this.penalised) if (until <= now) this.penalised.delete(peer);
    const peers = this.deps.net.peers().map((p) => p.nodeId);
    for (const k of [...this.peerHeads.keys()]) if (!peers.includes(k)) this.peerHeads.delete(k);
    await Promise.all(
      peers.map(async (peer) => {
        try {
          const v = decodeCanonical(
            await this.deps.net.request(peer, 'status', new Uint8Array([0xc0]), { timeoutMs: 2000 }),
          );
          if (!Array.isArray(v) || typeof v[0] !== 'number') throw new CodecError('status must be [number, hash]');
          this.peerHeads.set(peer, v[0]);
        } catch {
          this.peerHeads.delete(peer);
        }
      }),
    );
  }

  /** Fetches and applies one batch from a peer that is ahead; false when nobody is. */
  private async fetchNext(): Promise<boolean> {
    const head = this.deps.chain.head.number;
    const ahead = [...this.peerHeads].filter(([p, h]) => h > head && !this.penalised.has(p)).map(([p]) => p);
    if (ahead.length === 0) return false;
    const peer = ahead[this.nextPeer++ % ahead.length];
    const from = head + 1;
    const count = Math.min(this.opts.batchSize, this.peerHeads.get(peer)! - head);
    let entries: Array<{ block: Block; certificate: CommitCertificate }>;
    try {
      const res = await this.deps.net.request(peer, 'blocks', encodeCanonical([from, count]), { timeoutMs: 10_000 });
      entries = this.timed(() => decodeBlocksResponse(res));
    } catch (e) {
      this.penalise(peer, `blocks request failed: ${(e as Error).message}`);
      return true;
    }
    if (entries.length === 0) {
      this.peerHeads.delete(peer);
      return true;
    }
    let committed = 0;
    let bad = false;
    for (const { block, certificate } of entries) {
      const applied = await this.deps.queue.run(() => this.apply(block, certificate, peer));
      if (applied === 'bad') {
        bad = true;
        break;
      }
      if (applied === 'ok') committed++;
    }
    // The blocks committed before a bad one moved the head too: consensus must hear of it,
    // or it keeps working on a height that is already decided.
    if (!bad || committed > 0) await this.deps.onCommitted();
    return true;
  }

  private async apply(block: Block, certificate: CommitCertificate, peer: string): Promise<'ok' | 'stale' | 'bad'> {
    const { chain } = this.deps;
    const n = block.header.number;
    if (n <= chain.head.number) return 'stale'; // consensus got there first
    if (n !== chain.head.number + 1) return this.reject(peer, n, `block ${n} is not next (head ${chain.head.number})`);
    const hash = blockHash(chain.suite, block.header);
    const check = this.timed(() =>
      verifyCommitCertificate(consensusSuiteOf(chain), validatorSetOf(chain), n, hash, certificate),
    );
    if (!check.ok) return this.reject(peer, n, `certificate does not verify: ${check.reason}`);
    // Proposed in a view no later than the one its certificate committed it in.
    if (block.header.view > certificate.view)
      return this.reject(peer, n, `block names view ${block.header.view}, after its certificate's ${certificate.view}`);
    try {
      const senders = await resolveSenders(chain.suite, block.transactions, this.deps);
      const bad = senders.indexOf(null);
      if (bad >= 0) return this.reject(peer, n, `transaction ${bad} has an invalid signature`);
      const executed = chain.executeBlock(block, senders as Uint8Array[]);
      const head = await chain.commit(executed, certificate);
      this.deps.pool.onBlockCommitted(executed.txHashes.map(hexKey), head.number);
      this.synced++;
      return 'ok';
    } catch (e) {
      return this.reject(peer, n, (e as Error).message);
    }
  }

  private reject(peer: string, height: number, reason: string): 'bad' {
    this.penalise(peer, `refused block ${height}: ${reason}`);
    return 'bad';
  }

  private penalise(peer: string, reason: string): void {
    this.penalised.set(peer, Date.now() + this.opts.penaltyMs);
    this.deps.logger.warn({ peer: peer.slice(0, 16), reason }, 'sync peer penalised');
  }

  /**
   * A token bucket per peer: `maxServedRequestsPerSecond` requests at once, refilled at that
   * rate. Each request reads up to a batch of blocks from disk and sends up to 32 MiB, so a
   * peer replaying requests must not make this node do that without end.
   */
  private takeServeToken(peer: string): boolean {
    const rate = this.opts.maxServedRequestsPerSecond;
    const now = Date.now();
    const b = this.serveBuckets.get(peer) ?? { tokens: rate, at: now };
    b.tokens = Math.min(rate, b.tokens + (Math.max(0, now - b.at) * rate) / 1000);
    b.at = now;
    this.serveBuckets.set(peer, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * Over its rate a peer gets an empty answer: what a peer with nothing to serve says, so the
   * requester asks another peer and this one again after its next status poll, and does not
   * penalise it (a failed request would be penalised).
   */
  private refuseServing(peer: string): Uint8Array {
    this.deps.logger.debug({ peer: peer.slice(0, 16) }, 'blocks request over the serving rate answered empty');
    return encodeCanonical([]);
  }

  private async serveBlocks(req: Uint8Array): Promise<Uint8Array> {
    const v = decodeCanonical(req);
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number')
      throw new CodecError('blocks request must be [from, count]');
    const from = v[0];
    const count = Math.min(v[1], this.opts.batchSize);
    const out: Canonical[] = [];
    // Sized by the real encoded bytes: the reply stops before the block that would take it
    // past the response limit the requester enforces, and always carries at least one block
    // (block_bytes_limit keeps any one block with its certificate far below that limit), so
    // a requester behind a run of large blocks still moves forward.
    let bytes = RESPONSE_ARRAY_HEADER_BYTES;
    for (let n = from; n < from + count && n <= this.deps.chain.head.number; n++) {
      const stored = await this.deps.chain.getBlock(n);
      if (!stored?.certificate) break;
      const entry: Canonical = [
        [headerToCanonical(stored.block.header), stored.block.transactions.map(txToCanonical)],
        certToCanonical(stored.certificate),
      ];
      const size = encodeCanonical(entry).length;
      if (out.length > 0 && bytes + size > MAX_BLOCKS_RESPONSE_BYTES) break;
      out.push(entry);
      bytes += size;
    }
    return encodeCanonical(out);
  }
}

function decodeBlocksResponse(bytes: Uint8Array): Array<{ block: Block; certificate: CommitCertificate }> {
  const v = decodeCanonical(bytes);
  if (!Array.isArray(v)) throw new CodecError('blocks response must be an array');
  return (v as Canonical[]).map((e, i) => {
    if (!Array.isArray(e) || e.length !== 2)
      throw new CodecError(`blocks response entry ${i} must be [block, certificate]`);
    return { block: blockFromCanonical(e[0]), certificate: certFromCanonical(e[1]) };
  });
}
