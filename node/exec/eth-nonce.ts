import { decodeCanonical, encodeCanonical } from '../codec/canonical.js';
import type { StateReader, StateWriter } from '../state/overlay.js';
import { ethNonceKey } from './addresses.js';

/**
 * Ethereum-type transactions carry a sequential per-sender nonce (Ethereum's rule): the
 * next one is kept in world state, so it is in the state root, and the ledger's replay
 * protection for this type is "nonce == the state's next nonce".
 */
export function readEthNonce(state: StateReader, address: Uint8Array): number {
  const raw = state.get(ethNonceKey(address));
  return raw ? (decodeCanonical(raw) as number) : 0;
}

export function writeEthNonce(state: StateWriter, address: Uint8Array, next: number): void {
  state.set(ethNonceKey(address), encodeCanonical(next));
}
