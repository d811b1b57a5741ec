import { Level } from 'level';
import {
  blockFromCanonical,
  certFromCanonical,
  certToCanonical,
  decodeCanonical,
  encodeBlock,
  encodeCanonical,
  encodeReceipts,
  receiptFromCanonical,
  type Block,
  type Canonical,
  type CommitCertificate,
  type Receipt,
} from '../codec/index.js';
import { BLOOM_BYTES, isEmptyBloom, logsBloom } from '../codec/bloom.js';
import type { BytesSublevel, StateBatchOp } from '../state/world-state.js';
import { LedgerError, LedgerErrorCode } from './errors.js';

const BYTES = { keyEncoding: 'view', valueEncoding: 'view' } as const;

export interface ChainHead {
  readonly number: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  /** Total transactions on chain up to and including this block. */
  readonly totalTxs: number;
  readonly timestamp: number;
}

export interface TxLocation {
  readonly blockNumber: number;
  readonly index: number;
}

export interface StoredBlock {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly certificate: CommitCertificate | null;
}

/** What one block commit writes, together, in one LevelDB batch. */
export interface BlockCommit {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly txHashes: readonly Uint8Array[];
  readonly receipts: readonly Receipt[];
  /** Sender address of each transaction (what replay protection keys on). */
  readonly senders: readonly Uint8Array[];
  readonly certificate: CommitCertificate | null;
  readonly stateOps: readonly StateBatchOp[];
  /** encodeBlock(block), when the caller has it already (a proposal's payload): not encoded again. */
  readonly encodedBlock?: Uint8Array;
}

/**
 * The layout version of the ledger. A data directory written by another layout is refused
 * with a clear message rather than misread (2: per-block senders, leaf-count Merkle roots).
 */
export const LEDGER_FORMAT = 2;

/**
 * The node's LevelDB: one sublevel per bucket (Lodestar's repository-per-bucket idea),
 * binary keys, canonical msgpack values.
 *
 *   blocks    u64be(number) -> [header, txs]
 *   certs     u64be(number) -> certificate
 *   receipts  u64be(number) -> [receipt...]
 *   hashes    blockHash     -> u64be(number)
 *   numbers   u64be(number) -> blockHash
 *   txs       txHash        -> [number, index]
 *   senders   u64be(number) -> [address...] (one per transaction)
 *   blooms    u64be(number) -> 256-byte logs bloom of the block's receipts, only where it is
 *             not empty (derived data, not hashed: eth_getLogs reads the receipts of the
 *             blocks listed here only). Blocks committed before the index existed (below
 *             meta 'bloomsFrom') have no entry: their bloom is computed from their receipts
 *             when asked, never stored, so such a range is scanned as before.
 *   state     world state (owned by node/state)
 *   meta      'head'        -> [number, hash, stateRoot, totalTxs, timestamp]
 *             'format'      -> LEDGER_FORMAT
 *             'bloomsFrom'  -> first block written with the blooms bucket
 *
 * A block and everything it implies (state writes included) is written in one batch, so a
 * crash at any instant leaves either the whole block or none of it.
 */
export class LedgerStore {
  readonly state: BytesSublevel;
  private readonly blocks: BytesSublevel;
  private readonly certs: BytesSublevel;
  private readonly receipts: BytesSublevel;
  private readonly hashes: BytesSublevel;
  private readonly numbers: BytesSublevel;
  private readonly txs: BytesSublevel;
  private readonly senders: BytesSublevel;
  private readonly blooms: BytesSublevel;
  private readonly meta: BytesSublevel;
  private headCache: ChainHead | null = null;
  /** Blocks from this height on have their bloom indexed (see the layout above). */
  private bloomsFrom = 0;
  /**
   * The newest blocks, decoded: clients ask for the receipts and proofs of what was just
   * committed, and each such lookup would otherwise decode the whole block again.
   */
  private readonly recent = new Map<number, { stored: StoredBlock; receipts: readonly Receipt[] }>();
  private static readonly RECENT_BLOCKS = 8;

  private constructor(
    private readonly db: Level<Uint8Array, Uint8Array>,
    private readonly syncWrites: boolean,
  ) {
    const sub = (name: string) => db.sublevel<Uint8Array, Uint8Array>(name, BYTES) as unknown as BytesSublevel;
    this.blocks = sub('blocks');
    this.certs = sub('certs');
    this.receipts = sub('receipts');
    this.hashes = sub('hashes');
    this.numbers = sub('numbers');
    this.txs = sub('txs');
    this.senders = sub('senders');
    this.blooms = sub('blooms');
    this.meta = sub('meta');
    this.state = sub('state');
  }

  /**
   * A sublevel for data derived from the chain by one of the node's services (the regulator
   * node's `supervision` index): in the same database, written by its owner alone, never
   * part of a block's batch.
   */
  derivedSublevel(name: string): BytesSublevel {
    return this.db.sublevel<Uint8Array, Uint8Array>(name, BYTES) as unknown as BytesSublevel;
  }

  static async open(dir: string, opts: { syncWrites?: boolean } = {}): Promise<LedgerStore> {
    const db = new Level<Uint8Array, Uint8Array>(dir, BYTES);
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: Error & { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new LedgerError(
          `the ledger database at ${dir} is in use by another process (is another node running on this data directory?)`,
          LedgerErrorCode.Locked,
          { dir },
        );
      }
      throw new LedgerError(
        `cannot open the ledger database at ${dir}: ${cause?.message ?? (e as Error).message}`,
        LedgerErrorCode.Unopenable,
        { dir },
      );
    }
    const store = new LedgerStore(db, opts.syncWrites ?? true);
    try {
      store.headCache = await store.readHead();
      if (store.headCache) {
        const from = await store.meta.get(utf8Key('bloomsFrom'));
        // A ledger from before the bloom index starts indexing at its next block.
        store.bloomsFrom = from === undefined ? store.headCache.number + 1 : (decodeCanonical(from) as number);
        const raw = await store.meta.get(utf8Key('format'));
        const format = raw === undefined ? 1 : (decodeCanonical(raw) as number);
        if (format !== LEDGER_FORMAT)
          throw new LedgerError(
            `the ledger database at ${dir} has layout ${format}; this version of Lingding reads layout ${LEDGER_FORMAT}: remove the data directory and let the node sync the chain again`,
            LedgerErrorCode.WrongLayout,
            { dir },
          );
      }
    } catch (e) {
      await db.close();
      throw e;
    }
    return store;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  head(): ChainHead | null {
    return this.headCache;
  }

  private async readHead(): Promise<ChainHead | null> {
    const raw = await this.meta.get(utf8Key('head'));
    if (raw === undefined) return null;
    const v = decodeCanonical(raw) as [number, Uint8Array, Uint8Array, number, number];
    return { number: v[0], hash: v[1], stateRoot: v[2], totalTxs: v[3], timestamp: v[4] };
  }

  async commitBlock(c: BlockCommit): Promise<ChainHead> {
    const n = c.block.header.number;
    const prev = this.headCache;
    if (prev ? n !== prev.number + 1 : n !== 0) {
      throw new Error(`block ${n} does not extend the head ${prev ? prev.number : 'none'}`);
    }
    const key = u64(n);
    const head: ChainHead = {
      number: n,
      hash: c.hash,
      stateRoot: c.block.header.stateRoot,
      totalTxs: (prev?.totalTxs ?? 0) + c.block.transactions.length,
      timestamp: c.block.header.timestamp,
    };
    const ops: Array<StateBatchOp> = [
      {
        type: 'put',
        sublevel: this.blocks,
        key,
        value: c.encodedBlock ?? encodeBlock(c.block),
      },
      { type: 'put', sublevel: this.receipts, key, value: encodeReceipts(c.receipts) },
      { type: 'put', sublevel: this.senders, key, value: encodeCanonical([...c.senders]) },
      { type: 'put', sublevel: this.meta, key: utf8Key('format'), value: encodeCanonical(LEDGER_FORMAT) },
      { type: 'put', sublevel: this.hashes, key: c.hash, value: key },
      { type: 'put', sublevel: this.numbers, key, value: c.hash },
    ];
    if (n === this.bloomsFrom)
      ops.push({ type: 'put', sublevel: this.meta, key: utf8Key('bloomsFrom'), value: encodeCanonical(n) });
    const bloom = logsBloom(c.receipts.flatMap((r) => r.logs));
    if (!isEmptyBloom(bloom)) ops.push({ type: 'put', sublevel: this.blooms, key, value: bloom });
    if (c.certificate)
      ops.push({ type: 'put', sublevel: this.certs, key, value: encodeCanonical(certToCanonical(c.certificate)) });
    c.txHashes.forEach((h, i) => {
      ops.push({ type: 'put', sublevel: this.txs, key: h, value: encodeCanonical([n, i]) });
    });
    ops.push(...c.stateOps);
    ops.push({
      type: 'put',
      sublevel: this.meta,
      key: utf8Key('head'),
      value: encodeCanonical([head.number, head.hash, head.stateRoot, head.totalTxs, head.timestamp]),
    });
    await this.db.batch(ops as never, { sync: this.syncWrites });
    this.headCache = head;
    this.recent.set(n, { stored: { block: c.block, hash: c.hash, certificate: c.certificate }, receipts: c.receipts });
    if (this.recent.size > LedgerStore.RECENT_BLOCKS) this.recent.delete(this.recent.keys().next().value as number);
    return head;
  }

  async getBlock(number: number): Promise<StoredBlock | null> {
    const hit = this.recent.get(number);
    if (hit) return hit.stored;
    const key = u64(number);
    const raw = await this.blocks.get(key);
    if (raw === undefined) return null;
    const block = blockFromCanonical(decodeCanonical(raw));
    const rawCert = await this.certs.get(key);
    const certificate = rawCert === undefined ? null : certFromCanonical(decodeCanonical(rawCert));
    const hash = await this.getBlockHash(number);
    if (!hash) throw new Error(`ledger corrupt: block ${number} has no hash entry`);
    return { block, hash, certificate };
  }

  async getBlockNumberByHash(hash: Uint8Array): Promise<number | null> {
    const raw = await this.hashes.get(hash);
    return raw === undefined ? null : fromU64(raw);
  }

  async getBlockHash(number: number): Promise<Uint8Array | null> {
    return (await this.numbers.get(u64(number))) ?? null;
  }

  /** Sender addresses of block `number`'s transactions, in order. */
  async getSenders(number: number): Promise<readonly Uint8Array[] | null> {
    const raw = await this.senders.get(u64(number));
    return raw === undefined ? null : (decodeCanonical(raw) as Uint8Array[]);
  }

  async getReceipts(number: number): Promise<readonly Receipt[] | null> {
    const hit = this.recent.get(number);
    if (hit) return hit.receipts;
    const raw = await this.receipts.get(u64(number));
    if (raw === undefined) return null;
    return (decodeCanonical(raw) as Canonical[]).map(receiptFromCanonical);
  }

  /** The logs bloom of block `number` (all zeros when it has no logs), or null for a block not stored. */
  async getLogsBloom(number: number): Promise<Uint8Array | null> {
    if (number < this.bloomsFrom) {
      const receipts = await this.getReceipts(number);
      return receipts && logsBloom(receipts.flatMap((r) => r.logs));
    }
    if (this.headCache === null || number > this.headCache.number) return null;
    return (await this.blooms.get(u64(number))) ?? new Uint8Array(BLOOM_BYTES);
  }

  /**
   * The blocks in [from, to] whose logs bloom is not empty, with it, in order: what
   * eth_getLogs must read receipts of. Indexed blocks come from one range read of the
   * blooms bucket; older ones (below bloomsFrom) have their receipts read to compute it.
   */
  async nonEmptyLogsBlooms(from: number, to: number): Promise<Array<{ number: number; bloom: Uint8Array }>> {
    const out: Array<{ number: number; bloom: Uint8Array }> = [];
    for (let n = from; n <= Math.min(to, this.bloomsFrom - 1); n++) {
      const bloom = await this.getLogsBloom(n);
      if (bloom && !isEmptyBloom(bloom)) out.push({ number: n, bloom });
    }
    const start = Math.max(from, this.bloomsFrom);
    if (start > to) return out;
    for await (const [k, v] of this.blooms.iterator({ gte: u64(start), lte: u64(to) }))
      out.push({ number: fromU64(k), bloom: v });
    return out;
  }

  async getTxLocation(txHash: Uint8Array): Promise<TxLocation | null> {
    const raw = await this.txs.get(txHash);
    if (raw === undefined) return null;
    const [blockNumber, index] = decodeCanonical(raw) as [number, number];
    return { blockNumber, index };
  }

  hasTxSync(txHash: Uint8Array): boolean {
    return this.txs.getSync(txHash) !== undefined;
  }
}

export function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

function fromU64(b: Uint8Array): number {
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0));
}

function utf8Key(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
