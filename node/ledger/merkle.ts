/**
 * Binary Merkle tree over byte-string leaves, used for the transaction and receipt roots
 * in block headers, with inclusion proofs a light client can check offline.
 *
 *   leaf  = H(0x00 || data)
 *   inner = H(0x01 || left || right)
 *   root  = H(0x02 || uint64be(leafCount) || top of the tree)
 *   empty tree root = H(<no bytes>)
 *
 * Levels are built bottom-up pairing neighbours left to right. When a level has an odd
 * count, its last node is promoted to the next level unchanged. It is never paired with
 * a copy of itself (Bitcoin's rule), which would give [a, b, c] and [a, b, c, c] the same
 * root (CVE-2012-2459). The 0x00/0x01 prefixes keep a leaf from passing as an inner node
 * and the other way round. The empty root H("") cannot be a leaf or inner hash, as those
 * always hash at least one prefix byte.
 *
 * `hash` is the chain suite's hash (keccak-256 or SM3). Every call must return a fresh
 * array of the same length, and must not keep its input, which is reused.
 *
 * The root commits to the leaf count: with promotion alone, a proof for leaf 1 of 4 would
 * also check as leaf 1 of 3 (the paths coincide), so a proof's index and count would be
 * trustworthy only against a count from elsewhere. Hashing the count into the root makes
 * a verified proof's index and leafCount facts about the tree itself.
 */
export type HashFn = (data: Uint8Array) => Uint8Array;

export interface MerkleProof {
  /** Position of the leaf, 0-based. */
  index: number;
  /** Number of leaves in the tree. */
  leafCount: number;
  /** Sibling hashes from the leaf level up; promoted levels contribute none. */
  siblings: Uint8Array[];
}

export const LEAF_PREFIX = 0x00;
export const INNER_PREFIX = 0x01;
export const ROOT_PREFIX = 0x02;

/** Above any block's transaction count; keeps index arithmetic within 32-bit-safe range. */
export const MAX_LEAVES = 2 ** 32;

export function merkleRoot(hash: HashFn, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  const level = hashLeaves(hash, leaves);
  const inner = new InnerHasher(hash, level[0].length);
  // Reduce in place: level[0..width) holds the current level.
  let width = level.length;
  while (width > 1) {
    const pairs = width >>> 1;
    for (let i = 0; i < pairs; i++) level[i] = inner.hash(level[2 * i], level[2 * i + 1]);
    if (width & 1) level[pairs] = level[width - 1]; // promote the odd one out
    width = pairs + (width & 1);
  }
  return countedRoot(hash, leaves.length, level[0]);
}

/** H(0x02 || uint64be(leafCount) || top): the root that binds the tree's size. */
function countedRoot(hash: HashFn, leafCount: number, top: Uint8Array): Uint8Array {
  const buf = new Uint8Array(9 + top.length);
  buf[0] = ROOT_PREFIX;
  new DataView(buf.buffer).setBigUint64(1, BigInt(leafCount));
  buf.set(top, 9);
  return hash(buf);
}

export function merkleProof(hash: HashFn, leaves: readonly Uint8Array[], index: number): MerkleProof {
  const leafCount = leaves.length;
  if (!Number.isInteger(index) || index < 0 || index >= leafCount) {
    throw new RangeError(`leaf index ${index} out of range for ${leafCount} leaves`);
  }
  let level = hashLeaves(hash, leaves);
  const inner = new InnerHasher(hash, level[0].length);
  const siblings: Uint8Array[] = [];
  let i = index;
  while (level.length > 1) {
    const sib = i ^ 1;
    if (sib < level.length) siblings.push(level[sib]);
    const next: Uint8Array[] = new Array((level.length + 1) >>> 1);
    for (let k = 0; k + 1 < level.length; k += 2) next[k >>> 1] = inner.hash(level[k], level[k + 1]);
    if (level.length & 1) next[next.length - 1] = level[level.length - 1];
    level = next;
    i >>>= 1;
  }
  return { index, leafCount, siblings };
}

/**
 * Checks that `leafData` is leaf `proof.index` of a `proof.leafCount`-leaf tree with root
 * `root`, from these inputs alone. Malformed proofs (bad index or count, the wrong number
 * of siblings, siblings of the wrong length) return false rather than throw, so callers
 * can feed it untrusted input directly.
 */
export function verifyMerkleProof(hash: HashFn, root: Uint8Array, leafData: Uint8Array, proof: MerkleProof): boolean {
  if (!proof || typeof proof !== 'object' || !Array.isArray(proof.siblings)) return false;
  const { index, leafCount, siblings } = proof;
  if (!Number.isInteger(leafCount) || leafCount < 1 || leafCount > MAX_LEAVES) return false;
  if (!Number.isInteger(index) || index < 0 || index >= leafCount) return false;
  if (!(root instanceof Uint8Array) || !(leafData instanceof Uint8Array)) return false;
  if (siblings.length !== expectedSiblingCount(index, leafCount)) return false;

  let node = hashLeaf(hash, leafData);
  const len = node.length;
  if (root.length !== len) return false;
  const inner = new InnerHasher(hash, len);
  let s = 0;
  let i = index;
  for (let width = leafCount; width > 1; width = Math.ceil(width / 2), i = Math.floor(i / 2)) {
    const promoted = i === width - 1 && width % 2 === 1;
    if (promoted) continue;
    const sib = siblings[s++];
    if (!(sib instanceof Uint8Array) || sib.length !== len) return false;
    node = i % 2 === 0 ? inner.hash(node, sib) : inner.hash(sib, node);
  }
  return equalBytes(countedRoot(hash, leafCount, node), root);
}

/** How many siblings the path from leaf `index` of `leafCount` leaves to the root has. */
function expectedSiblingCount(index: number, leafCount: number): number {
  let n = 0;
  let i = index;
  for (let width = leafCount; width > 1; width = Math.ceil(width / 2), i = Math.floor(i / 2)) {
    if (!(i === width - 1 && width % 2 === 1)) n++;
  }
  return n;
}

function hashLeaves(hash: HashFn, leaves: readonly Uint8Array[]): Uint8Array[] {
  // One scratch buffer for every leaf's 0x00 || data (grown for the largest), instead of
  // an allocation per leaf: this runs over every transaction and receipt of each block.
  let max = 0;
  for (const l of leaves) if (l.length > max) max = l.length;
  const scratch = new Uint8Array(1 + max);
  scratch[0] = LEAF_PREFIX;
  const out: Uint8Array[] = new Array(leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    const data = leaves[i];
    scratch.set(data, 1);
    out[i] = hash(scratch.subarray(0, 1 + data.length));
  }
  return out;
}

function hashLeaf(hash: HashFn, data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return hash(buf);
}

/** H(0x01 || left || right) through one reused buffer. */
class InnerHasher {
  private readonly buf: Uint8Array;
  constructor(
    private readonly fn: HashFn,
    private readonly len: number,
  ) {
    this.buf = new Uint8Array(1 + 2 * len);
    this.buf[0] = INNER_PREFIX;
  }

  hash(left: Uint8Array, right: Uint8Array): Uint8Array {
    this.buf.set(left, 1);
    this.buf.set(right, 1 + this.len);
    return this.fn(this.buf);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
