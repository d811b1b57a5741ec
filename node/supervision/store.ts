/**
 * The supervision index (decision 9): derived data in its own sublevel (`supervision`) of the
 * node's LevelDB, rebuilt from the chain on demand. One block's entries and the indexed
 * height are written in one batch, so a crash leaves the block wholly indexed or not at all
 * (and a block indexed again writes the same keys: alert ids are deterministic).
 *
 * Buckets (one prefix byte each; `pos` = u64be(block) ‖ u32be(txIndex)):
 *   x  txHash                              -> the transaction's facts and record (JSON)
 *   p  u32(pilot) ‖ pos                    -> txHash      records by pilot
 *   c  address(contract) ‖ pos             -> txHash      by contract
 *   a  address(account) ‖ pos              -> txHash      by account (sender, transfer parties)
 *   i  u32(pilot) ‖ address(institution) ‖ pos -> txHash  by institution of a pilot
 *   d  u32(pilot) ‖ u32(day) ‖ pos         -> txHash      by pilot and day
 *   v  u32(pilot) ‖ u32(day)               -> the pilot's Transfer volume that day (decimal)
 *   f  u32(pilot) ‖ address(from) ‖ pos ‖ u32(log) -> value  (rapid splitting's history)
 *   t  address(contract) ‖ pos ‖ u32(log)  -> [from, to, value, tokenId, txHash]  asset moves
 *   g  address(contract) ‖ u256(id) ‖ pos ‖ u32(log) -> identified-asset event (decision 11) of
 *      that id: ['move', id, from, to, amount, txHash] or, under the parent, the split edge
 *      ['split', parent, child, holder, amount, txHash]
 *   A  u64(block) ‖ u32(n)                 -> alert (JSON)
 *   S  u64(ms) ‖ u64(head)                 -> starvation alert (JSON): observed, not derived; kept on reindex
 *   m  'height'                            -> the last block indexed
 */
import type { BytesSublevel } from '../state/world-state.js';
import type { Alert, RuleHistory } from './evaluate.js';
import { type AssetEventFact, type BlockFacts, dayOf, type PilotFacts, type TxFact } from './facts.js';

export interface IndexedTx extends Omit<TxFact, 'transfers' | 'record' | 'assetEvents'> {
  readonly blockNumber: number;
  readonly timestamp: number;
  readonly pilots: readonly number[];
  readonly transfers: ReadonlyArray<{
    contract: string;
    from: string;
    to: string;
    value: string;
    tokenId: string | null;
    logIndex: number;
  }>;
  readonly record: {
    pilotId: number;
    commitment: string;
    /** The record bytes as 0x-hex, or null when this node could not open it. */
    data: string | null;
    /** The commitment's salt as 0x-hex (null when not opened). */
    salt: string | null;
    problem: string | null;
  } | null;
}

export interface AssetMove {
  readonly blockNumber: number;
  readonly txIndex: number;
  readonly logIndex: number;
  readonly txHash: string;
  readonly from: string;
  readonly to: string;
  readonly value: bigint;
  readonly tokenId: string | null;
}

/** One identified-asset event as indexed, with its place in the chain (decision 11). */
export type AssetEvent = (
  | { readonly kind: 'move'; readonly id: string; readonly from: string; readonly to: string }
  | { readonly kind: 'split'; readonly parent: string; readonly child: string; readonly holder: string }
) & {
  readonly amount: bigint;
  readonly blockNumber: number;
  readonly txIndex: number;
  readonly logIndex: number;
  readonly txHash: string;
};

/** Which index a records query reads (one filter at a time; a pilot narrows account/day). */
export type RecordQuery =
  | { readonly by: 'pilot'; readonly pilot: number }
  | { readonly by: 'contract'; readonly contract: string }
  | { readonly by: 'account'; readonly account: string }
  | { readonly by: 'institution'; readonly pilot: number; readonly institution: string }
  | { readonly by: 'day'; readonly pilot: number; readonly day: number };

export interface Page<T> {
  readonly items: T[];
  /** Pass back as `cursor` for the next page; null at the end. */
  readonly next: string | null;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const HEIGHT_KEY = bytes('m', enc.encode('height'));

export class SupervisionStore {
  constructor(private readonly db: BytesSublevel) {}

  /** The last block indexed; 0 when nothing is (genesis has no transactions). */
  async height(): Promise<number> {
    const raw = await this.db.get(HEIGHT_KEY);
    return raw === undefined ? 0 : Number(dec.decode(raw));
  }

  /**
   * Indexes one block: the supervised transactions (each with the pilots it belongs to),
   * their asset moves, the pilots' day volumes, and the block's alerts, with the height.
   */
  async writeBlock(
    block: BlockFacts,
    txs: ReadonlyArray<{ tx: TxFact; pilots: readonly PilotFacts[] }>,
    alerts: readonly Alert[],
  ): Promise<void> {
    const ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> = [];
    const put = (key: Uint8Array, value: Uint8Array) => ops.push({ type: 'put', key, value });
    const day = dayOf(block.timestamp);
    const volume = new Map<number, bigint>();
    for (const { tx, pilots } of txs) {
      const hash = hexBytes(tx.hash);
      const pos = posKey(block.number, tx.index);
      const { assetEvents, ...facts } = tx;
      const row: IndexedTx = {
        ...facts,
        blockNumber: block.number,
        timestamp: block.timestamp,
        pilots: pilots.map((p) => p.id),
        transfers: tx.transfers.map((t) => ({ ...t, value: t.value.toString() })),
        record: tx.record && {
          pilotId: tx.record.pilotId,
          commitment: tx.record.commitment,
          data: tx.record.record ? `0x${Buffer.from(tx.record.record).toString('hex')}` : null,
          salt: tx.record.salt ? `0x${Buffer.from(tx.record.salt).toString('hex')}` : null,
          problem: tx.record.problem,
        },
      };
      put(bytes('x', hash), enc.encode(JSON.stringify(row)));
      const accounts = new Set([tx.sender, ...tx.transfers.flatMap((t) => [t.from, t.to])]);
      for (const a of accounts) put(bytes('a', hexBytes(a), pos), hash);
      for (const c of tx.contracts) put(bytes('c', hexBytes(c), pos), hash);
      for (const p of pilots) {
        put(bytes('p', u32(p.id), pos), hash);
        put(bytes('d', u32(p.id), u32(day), pos), hash);
        for (const a of accounts) if (p.institutions.includes(a)) put(bytes('i', u32(p.id), hexBytes(a), pos), hash);
        for (const t of tx.transfers) {
          if (!p.contracts.includes(t.contract)) continue;
          volume.set(p.id, (volume.get(p.id) ?? 0n) + t.value);
          put(bytes('f', u32(p.id), hexBytes(t.from), pos, u32(t.logIndex)), enc.encode(t.value.toString()));
        }
      }
      for (const t of tx.transfers)
        put(
          bytes('t', hexBytes(t.contract), pos, u32(t.logIndex)),
          enc.encode(JSON.stringify([t.from, t.to, t.value.toString(), t.tokenId, tx.hash])),
        );
      // Only the supervised pilots' contracts speak for an asset a regulator follows.
      for (const e of assetEvents)
        if (pilots.some((p) => p.contracts.includes(e.contract)))
          put(
            bytes('g', hexBytes(e.contract), u256(e.kind === 'move' ? e.id : e.parent), pos, u32(e.logIndex)),
            enc.encode(JSON.stringify(assetEventRow(e, tx.hash))),
          );
    }
    for (const [pilot, added] of volume) {
      const key = bytes('v', u32(pilot), u32(day));
      put(key, enc.encode(((await this.volumeAt(key)) + added).toString()));
    }
    alerts.forEach((a, n) => {
      put(bytes('A', u64(block.number), u32(n)), enc.encode(JSON.stringify(a)));
    });
    put(HEIGHT_KEY, enc.encode(String(block.number)));
    await this.db.batch(ops as never);
  }

  /** What the rules read of the past. */
  readonly history: RuleHistory = {
    dayVolume: (pilot, day) => this.volumeAt(bytes('v', u32(pilot), u32(day))),
    transfersFrom: async (pilot, from, fromBlock) => {
      const prefix = bytes('f', u32(pilot), hexBytes(from));
      const out: bigint[] = [];
      for await (const v of this.db.values({ gte: bytes(prefix, u64(Math.max(0, fromBlock))), lt: after(prefix) }))
        out.push(BigInt(dec.decode(v)));
      return out;
    },
  };

  private async volumeAt(key: Uint8Array): Promise<bigint> {
    const raw = await this.db.get(key);
    return raw === undefined ? 0n : BigInt(dec.decode(raw));
  }

  async tx(hash: string): Promise<IndexedTx | null> {
    const raw = await this.db.get(bytes('x', hexBytes(hash)));
    return raw === undefined ? null : (JSON.parse(dec.decode(raw)) as IndexedTx);
  }

  /** Indexed transactions by one index, oldest first, from `fromBlock`, `limit` at a time. */
  async records(
    q: RecordQuery,
    opts: { fromBlock?: number; limit: number; cursor?: string | null },
  ): Promise<Page<IndexedTx>> {
    const prefix = queryPrefix(q);
    const start = opts.cursor ? bytes(prefix, hexBytes(opts.cursor)) : null;
    const range = start ? { gt: start } : { gte: bytes(prefix, u64(opts.fromBlock ?? 0)) };
    const items: IndexedTx[] = [];
    let last: Uint8Array | null = null;
    for await (const [k, hash] of this.db.iterator({ ...range, lt: after(prefix), limit: opts.limit + 1 })) {
      if (items.length === opts.limit) return { items, next: hexOf(last!.subarray(prefix.length)) };
      const row = await this.tx(hexOf(hash));
      if (row) items.push(row);
      last = k;
    }
    return { items, next: null };
  }

  /** The Transfer events of `contract` indexed, in block order; at most `max` (more: `truncated`). */
  async moves(contract: string, max: number): Promise<{ moves: AssetMove[]; truncated: boolean }> {
    const prefix = bytes('t', hexBytes(contract));
    const moves: AssetMove[] = [];
    for await (const [k, v] of this.db.iterator({ gt: prefix, lt: after(prefix), limit: max + 1 })) {
      if (moves.length === max) return { moves, truncated: true };
      const [from, to, value, tokenId, txHash] = JSON.parse(dec.decode(v)) as [
        string,
        string,
        string,
        string | null,
        string,
      ];
      const view = new DataView(k.buffer, k.byteOffset + prefix.length, 16);
      moves.push({
        blockNumber: Number(view.getBigUint64(0)),
        txIndex: view.getUint32(8),
        logIndex: view.getUint32(12),
        txHash,
        from,
        to,
        value: BigInt(value),
        tokenId,
      });
    }
    return { moves, truncated: false };
  }

  /**
   * The identified-asset events of `id` of `contract` and, recursively, of every id split from
   * it, in block order; at most `max` (more: `truncated`).
   */
  async assetHistory(contract: string, id: string, max: number): Promise<{ events: AssetEvent[]; truncated: boolean }> {
    const events: AssetEvent[] = [];
    const pending = [id];
    const seen = new Set(pending);
    while (pending.length > 0) {
      const prefix = bytes('g', hexBytes(contract), u256(pending.shift()!));
      for await (const [k, v] of this.db.iterator({ gt: prefix, lt: after(prefix), limit: max + 1 - events.length })) {
        if (events.length === max) return { events: sortByPlace(events), truncated: true };
        const [kind, a, b, c, amount, txHash] = JSON.parse(dec.decode(v)) as [
          'move' | 'split',
          string,
          string,
          string,
          string,
          string,
        ];
        const view = new DataView(k.buffer, k.byteOffset + prefix.length, 16);
        const place = {
          amount: BigInt(amount),
          blockNumber: Number(view.getBigUint64(0)),
          txIndex: view.getUint32(8),
          logIndex: view.getUint32(12),
          txHash,
        };
        if (kind === 'move') events.push({ kind, id: a, from: b, to: c, ...place });
        else {
          events.push({ kind, parent: a, child: b, holder: c, ...place });
          if (!seen.has(b)) {
            seen.add(b);
            pending.push(b);
          }
        }
      }
    }
    return { events: sortByPlace(events), truncated: false };
  }

  /** Alerts of blocks [fromBlock, toBlock], rule alerts then starvation alerts, newest last. */
  async alerts(opts: { fromBlock: number; toBlock: number; limit: number }): Promise<Alert[]> {
    const out: Alert[] = [];
    for await (const v of this.db.values({
      gte: bytes('A', u64(opts.fromBlock)),
      lt: bytes('A', u64(opts.toBlock + 1)),
      limit: opts.limit,
    }))
      out.push(JSON.parse(dec.decode(v)) as Alert);
    for await (const v of this.db.values({ gt: bytes('S'), lt: bytes('T') })) {
      const a = JSON.parse(dec.decode(v)) as Alert;
      if (a.blockNumber >= opts.fromBlock && a.blockNumber <= opts.toBlock && out.length < opts.limit) out.push(a);
    }
    return out;
  }

  async putStarvationAlert(alert: Alert): Promise<void> {
    await this.db.put(bytes('S', u64(alert.timestamp), u64(alert.blockNumber)), enc.encode(JSON.stringify(alert)));
  }

  /** Drops everything derived from the chain (a reindex starts from here); starvation alerts stay. */
  async clearDerived(): Promise<void> {
    for (const bucket of ['x', 'p', 'c', 'a', 'i', 'd', 'v', 'f', 't', 'g', 'A', 'm'])
      await this.db.clear({ gte: bytes(bucket), lt: after(bytes(bucket)) });
  }
}

function assetEventRow(e: AssetEventFact, txHash: string): string[] {
  return e.kind === 'move'
    ? ['move', e.id, e.from, e.to, e.amount.toString(), txHash]
    : ['split', e.parent, e.child, e.holder, e.amount.toString(), txHash];
}

function sortByPlace(events: AssetEvent[]): AssetEvent[] {
  return events.sort((x, y) => x.blockNumber - y.blockNumber || x.txIndex - y.txIndex || x.logIndex - y.logIndex);
}

function queryPrefix(q: RecordQuery): Uint8Array {
  switch (q.by) {
    case 'pilot':
      return bytes('p', u32(q.pilot));
    case 'contract':
      return bytes('c', hexBytes(q.contract));
    case 'account':
      return bytes('a', hexBytes(q.account));
    case 'institution':
      return bytes('i', u32(q.pilot), hexBytes(q.institution));
    case 'day':
      return bytes('d', u32(q.pilot), u32(q.day));
  }
}

function bytes(...parts: Array<string | Uint8Array>): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A key above every key that starts with `prefix` (no key here is 64 bytes longer than its prefix). */
function after(prefix: Uint8Array): Uint8Array {
  return bytes(prefix, new Uint8Array(64).fill(0xff));
}

function posKey(block: number, index: number): Uint8Array {
  return bytes(u64(block), u32(index));
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

function u256(decimal: string): Uint8Array {
  return hexBytes(`0x${BigInt(decimal).toString(16).padStart(64, '0')}`);
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));
}

function hexOf(b: Uint8Array): string {
  return `0x${Buffer.from(b).toString('hex')}`;
}
