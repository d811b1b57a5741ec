import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { merkleProof, merkleRoot, verifyMerkleProof, type MerkleProof } from './merkle.js';

const H = (b: Uint8Array): Uint8Array => keccak_256(b);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const cat = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const leafHash = (d: Uint8Array): Uint8Array => H(cat([0], d));
const node = (l: Uint8Array, r: Uint8Array): Uint8Array => H(cat([1], l, r));
const counted = (n: number, top: Uint8Array): Uint8Array => H(cat([2, 0, 0, 0, 0, 0, 0, 0, n], top));
const bytes = (s: string) => new TextEncoder().encode(s);

/** The definition, written as plainly as possible, to check the fast version against. */
function referenceRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return H(new Uint8Array(0));
  let level = leaves.map(leafHash);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? node(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return counted(leaves.length, level[0]);
}

const leavesArb = fc.array(fc.uint8Array({ maxLength: 48 }), { minLength: 1, maxLength: 40 });
const treeWithIndexArb = leavesArb.chain((leaves) => fc.tuple(fc.constant(leaves), fc.nat(leaves.length - 1)));

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(b);
  if (out.length === 0) return Uint8Array.of(1);
  out[(bit >>> 3) % out.length] ^= 1 << (bit & 7);
  return out;
}

describe('merkle tree', () => {
  it('has the documented shape for small trees', () => {
    const [a, b, c] = [bytes('a'), bytes('b'), bytes('c')];
    expect(hex(merkleRoot(H, []))).toBe(hex(H(new Uint8Array(0))));
    expect(hex(merkleRoot(H, [a]))).toBe(hex(counted(1, leafHash(a))));
    expect(hex(merkleRoot(H, [a, b]))).toBe(hex(counted(2, node(leafHash(a), leafHash(b)))));
    // The odd leaf is promoted, not paired with itself.
    expect(hex(merkleRoot(H, [a, b, c]))).toBe(hex(counted(3, node(node(leafHash(a), leafHash(b)), leafHash(c)))));
  });

  it('commits to the leaf count: a proof does not pass for a tree of another size', () => {
    const leaves = ['a', 'b', 'c', 'd'].map(bytes);
    const root = merkleRoot(H, leaves);
    const proof = merkleProof(H, leaves, 1);
    expect(verifyMerkleProof(H, root, leaves[1], proof)).toBe(true);
    // Leaf 1 of 3 takes the same path as leaf 1 of 4 (leaf 3 of 4 is the only difference).
    expect(verifyMerkleProof(H, root, leaves[1], { ...proof, leafCount: 3 })).toBe(false);
  });

  it('gives [a, b, c] and [a, b, c, c] different roots (no CVE-2012-2459 duplication)', () => {
    const [a, b, c] = [bytes('a'), bytes('b'), bytes('c')];
    expect(hex(merkleRoot(H, [a, b, c]))).not.toBe(hex(merkleRoot(H, [a, b, c, c])));
  });

  it('separates leaves from inner nodes (a leaf cannot pose as a subtree)', () => {
    const [a, b] = [bytes('a'), bytes('b')];
    const inner = cat(leafHash(a), leafHash(b));
    expect(hex(merkleRoot(H, [inner]))).not.toBe(hex(merkleRoot(H, [a, b])));
  });

  it('matches the reference definition on random trees', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 48 }), { maxLength: 70 }), (leaves) => {
        expect(hex(merkleRoot(H, leaves))).toBe(hex(referenceRoot(leaves)));
      }),
      { numRuns: 200 },
    );
  });

  it('does not modify or keep the leaves it is given', () => {
    const leaves = [bytes('x'), bytes('yy'), bytes('zzz')];
    const copy = leaves.map((l) => Uint8Array.from(l));
    merkleRoot(H, leaves);
    merkleProof(H, leaves, 1);
    expect(leaves).toEqual(copy);
  });

  it('proves every leaf of random trees', () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const root = merkleRoot(H, leaves);
        leaves.forEach((leaf, i) => {
          const proof = merkleProof(H, leaves, i);
          expect(proof.index).toBe(i);
          expect(proof.leafCount).toBe(leaves.length);
          expect(proof.siblings.length).toBeLessThanOrEqual(Math.ceil(Math.log2(leaves.length)));
          expect(verifyMerkleProof(H, root, leaf, proof)).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('works with any hash length (sha-256 here)', () => {
    const leaves = [bytes('a'), bytes('b'), bytes('c'), bytes('d'), bytes('e')];
    const root = merkleRoot(sha256, leaves);
    expect(verifyMerkleProof(sha256, root, leaves[4], merkleProof(sha256, leaves, 4))).toBe(true);
    expect(verifyMerkleProof(H, root, leaves[4], merkleProof(sha256, leaves, 4))).toBe(false);
  });

  it('rejects an altered leaf, sibling, index or root', () => {
    fc.assert(
      fc.property(treeWithIndexArb, fc.nat(), fc.nat(), (tree, bit, pick) => {
        const [leaves, i] = tree;
        const root = merkleRoot(H, leaves);
        const proof = merkleProof(H, leaves, i);
        expect(verifyMerkleProof(H, root, flipBit(leaves[i], bit), proof)).toBe(false);
        expect(verifyMerkleProof(H, flipBit(root, bit), leaves[i], proof)).toBe(false);
        if (proof.siblings.length > 0) {
          const siblings = proof.siblings.slice();
          const s = pick % siblings.length;
          siblings[s] = flipBit(siblings[s], bit);
          expect(verifyMerkleProof(H, root, leaves[i], { ...proof, siblings })).toBe(false);
        }
        if (leaves.length > 1) {
          const j = (i + 1 + (pick % (leaves.length - 1))) % leaves.length;
          // Equal leaf data at two positions legitimately verifies at both.
          if (hex(leaves[j]) !== hex(leaves[i]))
            expect(verifyMerkleProof(H, root, leaves[i], { ...proof, index: j })).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects structurally wrong proofs without throwing', () => {
    const leaves = Array.from({ length: 11 }, (_, k) => bytes(`tx${k}`));
    const root = merkleRoot(H, leaves);
    const proof = merkleProof(H, leaves, 6);
    const bad: MerkleProof[] = [
      { ...proof, index: -1 },
      { ...proof, index: 11 },
      { ...proof, index: 1.5 },
      { ...proof, leafCount: 0 },
      { ...proof, leafCount: 6 },
      { ...proof, leafCount: NaN },
      { ...proof, leafCount: 2 ** 40 },
      { ...proof, siblings: proof.siblings.slice(1) },
      { ...proof, siblings: [...proof.siblings, proof.siblings[0]] },
      { ...proof, siblings: proof.siblings.map((s, k) => (k === 0 ? s.subarray(1) : s)) },
      { ...proof, siblings: [] },
      { ...proof, siblings: 'nope' as unknown as Uint8Array[] },
      null as unknown as MerkleProof,
    ];
    for (const p of bad) expect(verifyMerkleProof(H, root, leaves[6], p)).toBe(false);
    expect(verifyMerkleProof(H, root.subarray(1), leaves[6], proof)).toBe(false);
    expect(verifyMerkleProof(H, root, leaves[6], proof)).toBe(true);
  });

  it('refuses to build a proof for an index outside the tree', () => {
    expect(() => merkleProof(H, [bytes('a')], 1)).toThrow(RangeError);
    expect(() => merkleProof(H, [], 0)).toThrow(/out of range/);
    expect(() => merkleProof(H, [bytes('a')], -1)).toThrow(/out of range/);
  });

  it('proves leaves of a block-sized tree', () => {
    const leaves = Array.from({ length: 3001 }, (_, k) => keccak_256(bytes(`tx${k}`)));
    const root = merkleRoot(H, leaves);
    for (const i of [0, 1, 1500, 2999, 3000]) {
      const proof = merkleProof(H, leaves, i);
      expect(verifyMerkleProof(H, root, leaves[i], proof)).toBe(true);
    }
  });
});
