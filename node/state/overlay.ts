import { hexKey } from '../codec/hex.js';

/** Synchronous key/value reads: WASM host calls are synchronous, so state reads must be too. */
export interface StateReader {
  get(key: Uint8Array): Uint8Array | null;
}

export interface StateWriter extends StateReader {
  set(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
}

/** One pending change: the new value, or null for a deletion. */
export interface StateChange {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/**
 * A layer of uncommitted writes over a reader. A block executes in one overlay over the
 * committed state; each transaction in a child overlay that is merged into the block's
 * on success and simply dropped on failure — that drop is the whole rollback.
 */
export class StateOverlay implements StateWriter {
  private readonly writes = new Map<string, StateChange>();

  constructor(private readonly parent: StateReader) {}

  get(key: Uint8Array): Uint8Array | null {
    return this.lookup(hexKey(key), key);
  }

  /**
   * A read with its map key already made: a contract's reads go through two or three
   * overlays (call, transaction, block), and hex-encoding the key again at each was a
   * large part of their cost.
   */
  private lookup(hex: string, key: Uint8Array): Uint8Array | null {
    const w = this.writes.get(hex);
    if (w !== undefined) return w.value;
    return this.parent instanceof StateOverlay ? this.parent.lookup(hex, key) : this.parent.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(hexKey(key), { key: Uint8Array.from(key), value: Uint8Array.from(value) });
  }

  delete(key: Uint8Array): void {
    this.writes.set(hexKey(key), { key: Uint8Array.from(key), value: null });
  }

  child(): StateOverlay {
    return new StateOverlay(this);
  }

  /** Applies this overlay's writes to `target` (normally its parent). */
  mergeInto(target: StateWriter): void {
    if (target instanceof StateOverlay) {
      // Its entries are private copies already, keyed the same way: handed over as they are.
      for (const [hex, change] of this.writes) target.writes.set(hex, change);
      return;
    }
    for (const { key, value } of this.writes.values()) {
      if (value === null) target.delete(key);
      else target.set(key, value);
    }
  }

  get size(): number {
    return this.writes.size;
  }

  /** The changes in ascending key-byte order: the order the state root is computed in. */
  sortedChanges(): StateChange[] {
    const keys = [...this.writes.keys()].sort();
    return keys.map((k) => this.writes.get(k)!);
  }
}
