import type { AbstractSublevel } from 'abstract-level';
import { encodeCanonical, type Canonical } from '../codec/canonical.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type KeyedStateReader, StateOverlay, type StateChange, stateKey } from './overlay.js';

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
 * read synchronously through a cache of recently used entries.
 *
 * The state root follows FISCO BCOS 3.x: it chains the previous root with the hash of the
 * block's sorted change set, rather than maintaining a Merkle trie. Every node that
 * applies the same blocks computes the same root, the cost is proportional to what a block
 * writes (not to the size of the state), and a re-executing observer detects any
 * divergence at the first block where it happens. (No per-key state proofs; receipts and
 * transactions have Merkle proofs.)
 */
export class WorldState implements KeyedStateReader {
  /**
   * Two generations rather than a strict LRU: every transaction reads the same handful of
   * system entries (config, permissions) several times, and a strict LRU pays a delete and
   * a re-insert for each of those hits; here a hit in `hot` is one lookup. A hit in `cold`
   * moves the entry to `hot`; when `hot` holds `generation` entries it becomes `cold` and
   * the previous `cold` is dropped. At most 2 × generation − 1 ≤ cacheEntries entries.
   */
  private hot = new Map<string, Uint8Array | null>();
  private cold = new Map<string, Uint8Array | null>();
  private readonly generation: number;
  private root: Uint8Array;

  constructor(
    private readonly db: BytesSublevel,
    private readonly suite: CryptoSuite,
    opts: { root: Uint8Array; cacheEntries?: number },
  ) {
    this.root = opts.root;
    this.generation = Math.ceil((opts.cacheEntries ?? 100_000) / 2);
  }

  get stateRoot(): Uint8Array {
    return this.root;
  }

  get(key: Uint8Array): Uint8Array | null {
    return this.getKeyed(stateKey(key), key);
  }

  /** A read whose cache key the overlays above already made. */
  getKeyed(k: string, key: Uint8Array): Uint8Array | null {
    const hot = this.hot.get(k);
    if (hot !== undefined) return hot;
    const cold = this.cold.get(k);
    if (cold !== undefined) {
      this.remember(k, cold);
      return cold;
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
    for (const c of commit.changes) this.remember(stateKey(c.key), c.value);
    this.root = commit.stateRoot;
  }

  /** Into `hot`, which shadows any older value of the key in `cold`. */
  private remember(k: string, v: Uint8Array | null): void {
    if (this.generation === 0) return;
    this.hot.set(k, v);
    if (this.hot.size >= this.generation) {
      this.cold = this.hot;
      this.hot = new Map();
    }
  }
}

export function computeNextRoot(suite: CryptoSuite, prevRoot: Uint8Array, changes: readonly StateChange[]): Uint8Array {
  const entries: Canonical[] = changes.map((c) => [c.key, c.value]);
  return suite.hash(encodeCanonical([prevRoot, entries]));
}
