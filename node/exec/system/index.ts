import { hexKey } from '../../codec/hex.js';
import { SystemAddress } from '../addresses.js';
import type { Contract } from '../types.js';
import { committeeContract } from './committee.js';
import { kvStoreContract } from './kv-store.js';
import { accountManagerContract, contractAuthContract } from './permissions.js';
import { pilotRegistryContract } from './pilot-registry.js';
import { systemConfigContract } from './system-config.js';

export * from './system-config.js';
export * from './committee.js';
export * from './committee-state.js';
export * from './proposal-kinds.js';
export * from './consensus-nodes.js';
export * from './permissions.js';
export * from './permissions-state.js';
export * from './pilot-state.js';
export * from './pilot-registry.js';
export * from './pilot-limits.js';
export { kvStoreContract } from './kv-store.js';

/** Built-in contracts by address (hex, no 0x). */
export const SYSTEM_CONTRACTS: ReadonlyMap<string, Contract> = new Map<string, Contract>([
  [hexKey(SystemAddress.SystemConfig), systemConfigContract],
  [hexKey(SystemAddress.Committee), committeeContract],
  [hexKey(SystemAddress.KVStore), kvStoreContract],
  [hexKey(SystemAddress.AccountManager), accountManagerContract],
  [hexKey(SystemAddress.ContractAuth), contractAuthContract],
  [hexKey(SystemAddress.PilotRegistry), pilotRegistryContract],
]);
