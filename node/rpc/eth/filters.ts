import { randomBytes } from 'node:crypto';
import type { Log } from '../../codec/block.js';
import { bloomMayContain } from '../../codec/bloom.js';
import { toHex } from '../../codec/hex.js';
import { RpcError, RpcErrorCode } from '../errors.js';
import type { LogCriteria } from './params.js';

/** The part of a log filter that a log (or a block's bloom) is tested against. */
export type LogSelector = Pick<LogCriteria, 'addresses' | 'topics'>;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Ethereum's filter rule, over any form of addresses and topics (bytes here, hex in the
 * WebSocket subscriptions): the address is one of `addresses` (any when null or empty), and
 * for each position i of `topics`, null or an empty list matches anything (as geth) and a
 * list matches a log whose topic i is one of it — so a log with fewer topics than the filter
 * names does not match.
 */
export function selectorMatches<T>(
  address: T,
  topics: readonly T[],
  f: { readonly addresses: readonly T[] | null; readonly topics: ReadonlyArray<readonly T[] | null> },
  same: (a: T, b: T) => boolean,
): boolean {
  if (f.addresses && f.addresses.length > 0 && !f.addresses.some((a) => same(a, address))) return false;
  if (f.topics.length > topics.length) return false;
  return f.topics.every((slot, i) => slot === null || slot.length === 0 || slot.some((t) => same(t, topics[i])));
}

export function logMatches(log: Log, f: LogSelector): boolean {
  return selectorMatches(log.address, log.topics, f, equalBytes);
}

/** False when no log of a block with this bloom can match (the bloom index's whole point). */
export function bloomMatches(bloom: Uint8Array, f: LogSelector): boolean {
  if (f.addresses && f.addresses.length > 0 && !f.addresses.some((a) => bloomMayContain(bloom, a))) return false;
  return f.topics.every((slot) => slot === null || slot.length === 0 || slot.some((t) => bloomMayContain(bloom, t)));
}

/** An installed filter: what it watches and how far it has been polled. */
export type InstalledFilter =
  | { readonly kind: 'logs'; readonly criteria: LogCriteria; nextBlock: number }
  | { readonly kind: 'blocks'; nextBlock: number }
  | { readonly kind: 'pending'; hashes: string[] };

export interface FilterRegistryOptions {
  /** Most filters installed at once on this node (rpc.maxFilters). */
  readonly maxFilters: number;
  /** Most hashes a pending-transaction filter keeps between polls (rpc.maxLogsPerResponse); the oldest go first. */
  readonly maxPendingHashes: number;
  /** A filter not polled for this long is removed (geth: 5 minutes). */
  readonly timeoutMs: number;
  /** The local clock; only decides expiry, never anything on chain. */
  readonly now?: () => number;
}

/** Geth's deadline for a filter nobody polls. */
export const FILTER_TIMEOUT_MS = 5 * 60_000;

/**
 * The filters of eth_newFilter / eth_newBlockFilter / eth_newPendingTransactionFilter. A
 * filter lives until it is uninstalled or not polled for `timeoutMs`; expired ones are
 * swept whenever the registry is used (no timer to stop), and at most `maxFilters` exist,
 * so clients that forget theirs cannot grow the node's memory.
 */
export class FilterRegistry {
  private readonly filters = new Map<string, { filter: InstalledFilter; polledAt: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: FilterRegistryOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Installs a filter and returns its id; refuses (-32000) past maxFilters. */
  install(filter: InstalledFilter): string {
    this.sweep();
    if (this.filters.size >= this.opts.maxFilters)
      throw new RpcError(
        RpcErrorCode.EthServerError,
        `too many filters installed: at most ${this.opts.maxFilters} (rpc.maxFilters); uninstall unused ones`,
      );
    // A quantity, as geth's ids are (no leading zeros).
    const id = `0x${BigInt(`0x${randomBytes(16).toString('hex')}`).toString(16)}`;
    this.filters.set(id, { filter, polledAt: this.now() });
    return id;
  }

  /** The filter, marked as polled now; undefined when unknown or expired. */
  poll(id: string): InstalledFilter | undefined {
    this.sweep();
    const e = this.filters.get(id);
    if (!e) return undefined;
    e.polledAt = this.now();
    return e.filter;
  }

  /**
   * Told of each transaction the pool admits, so a pending-transaction filter
   * answers every transaction that entered the pool since its last poll, as geth's does,
   * including those already committed by then. Each keeps at most maxPendingHashes.
   */
  transactionAdmitted(hash: Uint8Array): void {
    for (const { filter } of this.filters.values()) {
      if (filter.kind !== 'pending') continue;
      filter.hashes.push(toHex(hash));
      if (filter.hashes.length > this.opts.maxPendingHashes) filter.hashes.shift();
    }
  }

  uninstall(id: string): boolean {
    this.sweep();
    return this.filters.delete(id);
  }

  get size(): number {
    this.sweep();
    return this.filters.size;
  }

  private sweep(): void {
    const cutoff = this.now() - this.opts.timeoutMs;
    for (const [id, e] of this.filters) if (e.polledAt <= cutoff) this.filters.delete(id);
  }
}
