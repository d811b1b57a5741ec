/**
 * `lingding` v1: the host functions a contract may import, and the HostEnv interface the
 * executor implements to back them. HOST_API.md documents the same list for contract
 * authors; the signatures here are what deploy-time import checking enforces.
 */
import { I32, I64, type FuncType } from './wasm/module.js';

export const HOST_MODULE = 'lingding';

const sig = (params: number[], results: number[] = []): FuncType => ({
  params: params as FuncType['params'],
  results: results as FuncType['results'],
});

/** Every importable function with its exact signature. */
export const HOST_FUNCTIONS = {
  input_size: sig([], [I32]),
  input_copy: sig([I32, I32, I32]),
  finish: sig([I32, I32]),
  revert: sig([I32, I32]),
  caller: sig([I32]),
  origin: sig([I32]),
  self_address: sig([I32]),
  block_number: sig([], [I64]),
  timestamp: sig([], [I64]),
  gas_left: sig([], [I64]),
  storage_get: sig([I32, I32, I32, I32], [I32]),
  storage_set: sig([I32, I32, I32, I32]),
  storage_remove: sig([I32, I32]),
  emit_event: sig([I32, I32, I32, I32]),
  call_contract: sig([I32, I32, I32, I64], [I32]),
  return_data_size: sig([], [I32]),
  return_data_copy: sig([I32, I32, I32]),
  hash: sig([I32, I32, I32]),
  verify_signature: sig([I32, I32, I32, I32, I32], [I32]),
  debug_log: sig([I32, I32]),
} as const satisfies Record<string, FuncType>;

export type HostFunctionName = keyof typeof HOST_FUNCTIONS;

export const ADDRESS_BYTES = 20;
export const HASH_BYTES = 32;
export const TOPIC_BYTES = 32;
export const MAX_TOPICS = 4;

/** call_contract's return value, as seen by the calling contract. */
export const CallStatus = { success: 0, revert: 1, failure: 2 } as const;

export type RunStatus = 'success' | 'revert' | 'outOfGas' | 'trap';

/** What a nested call returned, as the executor reports it back to the VM. */
export interface NestedCallResult {
  readonly status: RunStatus;
  /** Gas the callee used; at most the gas forwarded to it. */
  readonly gasUsed: number;
  /** Output on success, revert data on revert, empty otherwise. */
  readonly output: Uint8Array;
}

/**
 * The world as one contract call sees it. Implemented by the executor, which journals
 * writes so it can roll them back when the call fails. All methods are synchronous:
 * WebAssembly cannot wait on a promise, so storage must be served from memory (the state
 * overlay), not from disk.
 *
 * Methods must not throw for anything a contract can cause; an exception thrown here
 * propagates out of runContract unchanged, because it means the node itself is broken.
 * The byte arrays it is given are copies out of linear memory, its own to keep, except
 * storage keys and the values given to storageSet: views of linear memory, valid only
 * during the call (the state copies what it keeps, so a copy here would be a second one).
 */
export interface HostEnv {
  storageGet(key: Uint8Array): Uint8Array | undefined;
  storageSet(key: Uint8Array, value: Uint8Array): void;
  storageRemove(key: Uint8Array): void;
  /** The immediate caller (20 bytes). */
  readonly caller: Uint8Array;
  /** The account that signed the transaction (20 bytes). */
  readonly origin: Uint8Array;
  /** The running contract's own address (20 bytes). */
  readonly self: Uint8Array;
  readonly blockNumber: number;
  /** Block timestamp in milliseconds, chosen by the proposer; never the local clock. */
  readonly timestamp: number;
  /** Up to four 32-byte topics. */
  emitEvent(topics: Uint8Array[], data: Uint8Array): void;
  /**
   * Runs another contract (typically through runContract) with at most `gasForwarded`
   * gas. The executor decides what an address without code does.
   */
  callContract(address: Uint8Array, input: Uint8Array, gasForwarded: number): NestedCallResult;
  /** The chain's hash function (keccak-256 or SM3); 32 bytes. */
  hash(data: Uint8Array): Uint8Array;
  /** Checks a signature with the chain's crypto suite. */
  verifySignature(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  /** Free-form text for developers; never part of consensus. */
  debugLog(message: string): void;
}
