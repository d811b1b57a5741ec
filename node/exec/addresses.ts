import { concatBytes, fromHex } from '../codec/hex.js';

/** Built-in system contracts live at fixed low addresses, as in FISCO BCOS. */
export const SystemAddress = {
  /** System configuration: tx_count_limit, tx_gas_limit, block_gas_limit, block_bytes_limit. */
  SystemConfig: fromHex('0x0000000000000000000000000000000000001000'),
  /** Consensus node list (sealers and observers). */
  Consensus: fromHex('0x0000000000000000000000000000000000001003'),
  /** Committee governance: weighted members, voting rules, proposals and votes. */
  Committee: fromHex('0x0000000000000000000000000000000000001005'),
  /** Deploy policy, contract status (frozen or not), contract admins and method ACLs (FISCO 3's ContractAuth). */
  ContractAuth: fromHex('0x0000000000000000000000000000000000010002'),
  /** Account status (normal, frozen, abolished) and the regulators named by genesis (FISCO 3's AccountManager). */
  AccountManager: fromHex('0x0000000000000000000000000000000000010003'),
  /** Pilot businesses, their limits and daily volumes, and regulators' supervision keys (design decisions 1-5). */
  PilotRegistry: fromHex('0x0000000000000000000000000000000000001006'),
  /** Key/value table for applications (FISCO's KVTable precompile). */
  KVStore: fromHex('0x0000000000000000000000000000000000001010'),
} as const;

const STORAGE_PREFIX = 0x01;
const CODE_PREFIX = 0x02;
/** Ethereum-type nonces: a prefix of its own, so no contract's storage can reach them. */
const ETH_NONCE_PREFIX = 0x03;

/** The state key of `key` in the storage of contract `address`. */
export function storageKey(address: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + address.length + key.length);
  out[0] = STORAGE_PREFIX;
  out.set(address, 1);
  out.set(key, 1 + address.length);
  return out;
}

export function codeKey(address: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(CODE_PREFIX), address);
}

/** The state key of the next Ethereum-type nonce of `address` (absent = 0). */
export function ethNonceKey(address: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(ETH_NONCE_PREFIX), address);
}
