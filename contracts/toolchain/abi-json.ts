/**
 * The Solidity-style JSON ABI that both SDKs ship (ethers' `Interface` reads it), and the
 * selector/topic hashes derived from signatures.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';

export interface AbiParam {
  readonly name: string;
  readonly type: string;
  readonly indexed?: boolean;
}

export type AbiEntry =
  | { readonly type: 'constructor'; readonly inputs: AbiParam[]; readonly stateMutability: 'nonpayable' }
  | {
      readonly type: 'function';
      readonly name: string;
      readonly inputs: AbiParam[];
      readonly outputs: AbiParam[];
      readonly stateMutability: 'view' | 'nonpayable';
    }
  | { readonly type: 'event'; readonly name: string; readonly inputs: AbiParam[]; readonly anonymous: false };

/** `name(type1,type2)`, the text the selector and the event topic hash. */
export function signature(name: string, params: readonly AbiParam[]): string {
  return `${name}(${params.map((p) => p.type).join(',')})`;
}

/** keccak-256 of the UTF-8 text (topic 0 of an event). */
export function keccakText(text: string): Uint8Array {
  return keccak_256(new TextEncoder().encode(text));
}

/** The 4-byte function selector as an unsigned integer. */
export function selector(sig: string): number {
  const h = keccakText(sig);
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}
