import type { AbstractSublevel } from 'abstract-level';
import { encodeCanonical, type Canonical } from '../codec/canonical.js';
import { hexKey } from '../codec/hex.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { StateOverlay, type StateChange, type StateReader } from './overlay.js';

// biome-ignore lint/suspicious/noExplicitAny: any sublevel of the store, whatever its parent's key and value types
export type BytesSublevel = AbstractSublevel<any, any, Uint8Array, Uint8Array>;

/** A write to include in the block's atomic LevelDB batch. */
export type StateBatchOp =
  | { type: 'put'; sublevel: BytesSublevel; key: Uint8Array; value: Uint8Array }
  | { type: 'del'; sublevel: BytesSublevel; key: Uint8Array };

export interface StateCommit {
  readonly stateRoot: Uint8Array;
  readonly ops: StateBatchOp[];
  readonly changes: StateChange[];
}

/**
 * The committed world state: a flat key/value space in its own LevelDB sublevel,
 * read synchronously through an LRU cache.
 *
 * The state root follows FISCO BCOS 3.x: it chains the previous root with the hash of the
 * block's sorted change set, rather than maintaining a Merkle trie. Every node that
 * applies the same blocks computes the same root, the cost is proportional to what a block
 * writes (not to the size of the state), and a re-executing observer detects any
 * divergence at the first block where it happens. (No per-key state proofs; receipts and
 * transactions have Merkle proofs.)
 */
export class WorldState implements StateReader {
  private readonly cache = new Map<string, Uint8Array | null>();
  private root: Uint8Array;

  constructor(
    private readonly db: BytesSublevel,
    private readonly suite: CryptoSuite,
    opts: { root: Uint8Array; cacheEntries?: number },
  ) {
    this.root = opts.root;
    this.cacheLimit = opts.cacheEntries ?? 100_000;
  }

  private readonly cacheLimit: number;

  get stateRoot(): Uint8Array {
    return this.root;
  }

  get(key: Uint8Array): Uint8Array | null {
    const k = hexKey(key);
    const hit = this.cache.get(k);
    if (hit !== undefined) {
      // Refresh recency: Map iteration order is insertion order, so re-insert.
      this.cache.delete(k);
      this.cache.set(k, hit);
      return hit;
    }
    const v = this.db.getSync(key) ?? null;
    this.remember(k, v);
    return v;
  }

  /** A fresh overlay for executing one block over the committed state. */
  overlay(): StateOverlay {
    return new StateOverlay(this);
  }

  /** Computes the next root and the batch writes for a block's overlay, without applying them. */
  prepareCommit(overlay: StateOverlay): StateCommit {
    const changes = overlay.sortedChanges();
    const stateRoot = computeNextRoot(this.suite, this.root, changes);
    const ops: StateBatchOp[] = changes.map((c) =>
      c.value === null
        ? { type: 'del', sublevel: this.db, key: c.key }
        : { type: 'put', sublevel: this.db, key: c.key, value: c.value },
    );
    return { stateRoot, ops, changes };
  }

  /** Called after the block's batch is durably written. */
  applyCommitted(commit: StateCommit): void {
    for (const c of commit.changes) this.remember(hexKey(c.key), c.value);
    this.root = commit.stateRoot;
  }

  private remember(k: string, v: Uint8Array | null): void {
    this.cache.delete(k);
    this.cache.set(k, v);
    if (this.cache.size > this.cacheLimit) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}

export function computeNextRoot(suite: CryptoSuite, prevRoot: Uint8Array, changes: readonly StateChange[]): Uint8Array {
  const entries: Canonical[] = changes.map((c) => [c.key, c.value]);
  return suite.hash(encodeCanonical([prevRoot, entries]));
}
