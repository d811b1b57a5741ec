/** Synchronous key/value reads: WASM host calls are synchronous, so state reads must be too. */
export interface StateReader {
  get(key: Uint8Array): Uint8Array | null;
}

export interface StateWriter extends StateReader {
  set(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
}

/** A reader that also takes a key already made into its stateKey string (the committed state's cache). */
export interface KeyedStateReader extends StateReader {
  getKeyed(k: string, key: Uint8Array): Uint8Array | null;
}

/** One pending change: the new value, or null for a deletion. */
export interface StateChange {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/**
 * A key as a map key: one char per byte (latin1), half the length of hex, so cheaper to make
 * and to hash, as unique, and ordered as the bytes are (each char's code is its byte). Made
 * once per read and handed down the overlays to the committed state's cache.
 *
 * Made from the bytes as char codes, not through a Buffer: a key is almost always a small
 * array just built, which V8 keeps on its heap, and reading its `.buffer` (as Buffer.from
 * does) makes V8 move it off the heap first, an allocation costing more than the rest.
 */
export function stateKey(key: Uint8Array): string {
  if (key.length <= MAX_SPREAD_KEY) return String.fromCharCode.apply(null, key as unknown as number[]);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** Longer keys (rare: contracts choose their keys) go through a Buffer, within any engine's argument limit. */
const MAX_SPREAD_KEY = 1024;

const keyBytes = (k: string): Uint8Array => {
  const b = Buffer.from(k, 'latin1');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

const NO_PREFIXES: readonly string[] = [];

const isKeyed = (r: StateReader): r is KeyedStateReader => typeof (r as KeyedStateReader).getKeyed === 'function';

/**
 * A layer of uncommitted writes over a reader. A block executes in one overlay over the
 * committed state; each transaction in a child overlay that is merged into the block's
 * on success and simply dropped on failure — that drop is the whole rollback.
 *
 * A write is kept as its map key (which holds the key's bytes) and a private copy of the
 * value: no copy of the key, no record per write; the keys are made bytes again only for
 * the few who ask for the changes (the block's commit).
 */
export class StateOverlay implements StateWriter {
  private readonly writes = new Map<string, Uint8Array | null>();
  private readonly parentOverlay: StateOverlay | null;
  private readonly parentKeyed: KeyedStateReader | null;
  /** Key prefixes (stateKey strings) whose writes are noted in `wroteWatchedKey`; see `watchWrites`. */
  private watched: readonly string[];
  private wroteWatchedKey = false;

  constructor(private readonly parent: StateReader) {
    this.parentOverlay = parent instanceof StateOverlay ? parent : null;
    this.parentKeyed = !this.parentOverlay && isKeyed(parent) ? parent : null;
    this.watched = this.parentOverlay ? this.parentOverlay.watched : NO_PREFIXES;
  }

  /**
   * From now on notes writes of keys starting with one of `prefixes` (stateKey strings), here
   * and in the children made after this call; writes already made here count too. A cache of
   * reads of such keys, kept beside a block's overlay, asks `unwrittenUnder` whether it
   * still holds for a call's overlay (exec/contract-guards.ts).
   */
  watchWrites(prefixes: readonly string[]): void {
    this.watched = prefixes;
    for (const k of this.writes.keys()) if (this.isWatched(k)) this.wroteWatchedKey = true;
  }

  /**
   * Whether this overlay and every one it reads through watch `prefixes` (made after the
   * root's watchWrites, or it) and none of them wrote a key under one: only then do reads of
   * such keys here give what they give at the root.
   */
  unwrittenUnder(prefixes: readonly string[]): boolean {
    for (let o: StateOverlay | null = this; o !== null; o = o.parentOverlay) {
      if (o.watched !== prefixes || o.wroteWatchedKey) return false;
    }
    return true;
  }

  /** The overlay at the top of this one's chain: the block's, for a transaction's or a call's overlay. */
  root(): StateOverlay {
    let o: StateOverlay = this;
    while (o.parentOverlay !== null) o = o.parentOverlay;
    return o;
  }

  private isWatched(k: string): boolean {
    for (const prefix of this.watched) if (k.startsWith(prefix)) return true;
    return false;
  }

  private noteWrite(k: string): void {
    if (this.watched.length > 0 && !this.wroteWatchedKey && this.isWatched(k)) this.wroteWatchedKey = true;
  }

  get(key: Uint8Array): Uint8Array | null {
    return this.getKeyed(stateKey(key), key);
  }

  /**
   * A read with its map key already made: a contract's reads go through two or three
   * overlays (call, transaction, block) and the committed state's cache, and making the
   * key again at each was a large part of their cost.
   */
  getKeyed(k: string, key: Uint8Array): Uint8Array | null {
    const w = this.writes.get(k);
    if (w !== undefined) return w;
    if (this.parentOverlay) return this.parentOverlay.getKeyed(k, key);
    return this.parentKeyed ? this.parentKeyed.getKeyed(k, key) : this.parent.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    // A copy: the caller may reuse its buffer, and a view would keep a larger one (a slab) alive.
    const k = stateKey(key);
    this.noteWrite(k);
    this.writes.set(k, new Uint8Array(value));
  }

  delete(key: Uint8Array): void {
    const k = stateKey(key);
    this.noteWrite(k);
    this.writes.set(k, null);
  }

  child(): StateOverlay {
    return new StateOverlay(this);
  }

  /** Applies this overlay's writes to `target` (normally its parent). */
  mergeInto(target: StateWriter): void {
    if (target instanceof StateOverlay) {
      // Its values are private copies already, keyed the same way: handed over as they are.
      for (const [k, value] of this.writes) target.writes.set(k, value);
      if (this.wroteWatchedKey || target.watched !== this.watched) {
        for (const k of this.writes.keys()) target.noteWrite(k);
      }
      return;
    }
    for (const [k, value] of this.writes) {
      if (value === null) target.delete(keyBytes(k));
      else target.set(keyBytes(k), value);
    }
  }

  get size(): number {
    return this.writes.size;
  }

  /** The changes in ascending key-byte order: the order the state root is computed in. */
  sortedChanges(): StateChange[] {
    // Default sort compares UTF-16 code units, which for these keys are the bytes.
    const keys = [...this.writes.keys()].sort();
    return keys.map((k) => ({ key: keyBytes(k), value: this.writes.get(k)! }));
  }
}
