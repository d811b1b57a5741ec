/**
 * Small byte arrays carved out of shared 64 KiB slabs, as Node's Buffer pool does. V8 keeps
 * a typed array over 64 bytes in a backing store of its own, allocated outside the heap and
 * tracked (and swept) one by one; a node makes several such arrays per transaction
 * (encodings, ABI words), and that bookkeeping was a large part of its GC work. A view
 * from here keeps its slab alive while it lives, so this is for the short-lived, small
 * arrays of the hot path, never for a transfer list (transferring detaches the whole slab).
 */
const SLAB_BYTES = 64 * 1024;
/** Larger arrays get a backing store of their own: they are few, and would waste slabs. */
const MAX_SLAB_ALLOC = 4 * 1024;

let slab = new Uint8Array(SLAB_BYTES);
let used = 0;

/** A zeroed array of `n` bytes (zeroed: slabs are fresh, and parts are never handed out twice). */
export function allocBytes(n: number): Uint8Array {
  if (n > MAX_SLAB_ALLOC) return new Uint8Array(n);
  if (used + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  used += (n + 7) & ~7; // 8-byte aligned: a DataView over a part reads fast
  return out;
}
