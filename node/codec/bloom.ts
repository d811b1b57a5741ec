import { keccak256 as keccak } from '../crypto/wasm-keccak.js';
import type { Log } from './block.js';

/**
 * Ethereum's logs bloom (yellow paper, M3:2048): 2,048 bits set by the address and each
 * topic of every log. It is always keccak-256, whatever the chain's crypto suite, because
 * it is Ethereum's format that clients (ethers, web3.js) test against, not a Lingding hash.
 */
export const BLOOM_BYTES = 256;

export function emptyBloom(): Uint8Array {
  return new Uint8Array(BLOOM_BYTES);
}

/**
 * The three bits of `item`: each of the hash's byte pairs 0-1, 2-3, 4-5 read big-endian,
 * low 11 bits. Bit b lives in byte 255 - b/8 (the bloom is one big-endian 2048-bit number).
 */
function bloomBits(item: Uint8Array): Array<[byte: number, mask: number]> {
  const h = keccak(item);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 0x7ff;
    out.push([BLOOM_BYTES - 1 - (bit >> 3), 1 << (bit & 7)]);
  }
  return out;
}

/** Sets `item`'s bits in `bloom` (in place). */
export function addToBloom(bloom: Uint8Array, item: Uint8Array): void {
  for (const [byte, mask] of bloomBits(item)) bloom[byte] |= mask;
}

/** False: `item` is certainly not in the set; true: it may be. */
export function bloomMayContain(bloom: Uint8Array, item: Uint8Array): boolean {
  return bloomBits(item).every(([byte, mask]) => (bloom[byte] & mask) !== 0);
}

/**
 * The bloom of some logs: each log's address and topics. A block's logs repeat the same
 * few items (the contract's address, the event's signature topic) thousands of times: each
 * distinct item is hashed once.
 */
export function logsBloom(logs: Iterable<Log>, into: Uint8Array = emptyBloom()): Uint8Array {
  const seen = new Set<string>();
  const add = (item: Uint8Array) => {
    // Char codes, not a Buffer: reading `.buffer` of a small on-heap array (a topic the VM
    // just copied) makes V8 move it off its heap first.
    const key = String.fromCharCode.apply(null, item as unknown as number[]);
    if (seen.has(key)) return;
    seen.add(key);
    addToBloom(into, item);
  };
  for (const log of logs) {
    add(log.address);
    for (const t of log.topics) add(t);
  }
  return into;
}

export function isEmptyBloom(bloom: Uint8Array): boolean {
  return bloom.every((b) => b === 0);
}
