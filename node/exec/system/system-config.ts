import { decodeCanonical, encodeCanonical, equalBytes } from '../../codec/canonical.js';
import { type CodeOf, LingdingError } from '../../errors/index.js';
import { utf8 } from '../../codec/hex.js';
import type { StateReader } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';
import { RevertError } from '../types.js';
import { AbiContract } from './abi-contract.js';
import { ContractStorage } from './storage.js';

/**
 * Chain parameters that live in state and that the node reads before each block, as
 * FISCO BCOS's SystemConfigPrecompiled. A change made in block h takes effect from block
 * h+1, so every node builds and checks block h+1 under the same rules. Changes come
 * only from executed committee proposals (committee.ts).
 */
export interface SystemConfig {
  /** Most transactions in one block. */
  readonly txCountLimit: number;
  /** Most gas one transaction may ask for. */
  readonly txGasLimit: number;
  /** Most gas all transactions of a block may use together. */
  readonly blockGasLimit: number;
  /** Most bytes the encoded transactions of one block may take together. */
  readonly blockBytesLimit: number;
}

type Key = 'tx_count_limit' | 'tx_gas_limit' | 'block_gas_limit' | 'block_bytes_limit';

/**
 * The largest block_bytes_limit the committee may set. A proposal travels as one consensus
 * message (the p2p layer refuses frames above 8 MiB) and a synced block with its certificate
 * as part of one response (32 MiB): 6 MiB of transactions leaves room for the header, the
 * encoding's length prefixes and a certificate of the largest validator set. A block is
 * bounded by bytes where it is built and checked, so no leader can build one it cannot send.
 */
export const MAX_BLOCK_BYTES_LIMIT = 6 * 1024 * 1024;

const RULES: Record<Key, { field: keyof SystemConfig; min: number; max: number }> = {
  tx_count_limit: { field: 'txCountLimit', min: 1, max: 100_000 },
  tx_gas_limit: { field: 'txGasLimit', min: 100_000, max: 2 ** 40 },
  block_gas_limit: { field: 'blockGasLimit', min: 1_000_000, max: 2 ** 50 },
  block_bytes_limit: { field: 'blockBytesLimit', min: 64 * 1024, max: MAX_BLOCK_BYTES_LIMIT },
};

export const SYSTEM_CONFIG_KEYS = Object.keys(RULES) as Key[];

export const DEFAULT_SYSTEM_CONFIG: SystemConfig = {
  txCountLimit: 2_000,
  txGasLimit: 300_000_000,
  blockGasLimit: 2_000_000_000,
  blockBytesLimit: 4 * 1024 * 1024,
};

/** Own keys only: `in` and indexing would also find 'constructor', 'toString', '__proto__'. */
function isKey(key: string): key is Key {
  return Object.hasOwn(RULES, key);
}

/** Why a system config value is refused (in genesis, or in a committee transaction: then it reverts). */
export const SystemConfigErrorCode = {
  UnknownKey: 'UNKNOWN_KEY',
  NotAnInteger: 'NOT_AN_INTEGER',
  OutOfRange: 'OUT_OF_RANGE',
} as const;
export type SystemConfigErrorCodeValue = CodeOf<typeof SystemConfigErrorCode>;

export class SystemConfigError extends LingdingError<SystemConfigErrorCodeValue, { key: string; value: string }> {
  constructor(message: string, code: SystemConfigErrorCodeValue, details: { key: string; value: string }) {
    super(code, message, details);
    this.name = 'SystemConfigError';
  }
}

/**
 * Parses and range-checks a value given as a decimal string. The messages end up in
 * receipts (a refused setValueByKey reverts with them): they are consensus bytes.
 */
export function parseSystemConfigValue(key: string, value: string): number {
  const rule = isKey(key) ? RULES[key] : undefined;
  const fail = (message: string, code: SystemConfigErrorCodeValue): never => {
    throw new SystemConfigError(message, code, { key, value });
  };
  if (!rule)
    return fail(
      `unknown system config key '${key}' (known: ${SYSTEM_CONFIG_KEYS.join(', ')})`,
      SystemConfigErrorCode.UnknownKey,
    );
  if (!/^[0-9]{1,16}$/.test(value))
    fail(`${key} must be a decimal integer, got '${value}'`, SystemConfigErrorCode.NotAnInteger);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < rule.min || n > rule.max)
    fail(`${key} must be between ${rule.min} and ${rule.max}, got ${value}`, SystemConfigErrorCode.OutOfRange);
  return n;
}

/** Stored entry: [value, enableNumber, previousValue]. */
function entryKey(key: string): Uint8Array {
  return utf8(key);
}

export function systemConfigGenesisEntries(values: Partial<Record<Key, string>>): Array<[Uint8Array, Uint8Array]> {
  return SYSTEM_CONFIG_KEYS.map((k) => {
    const v = values[k] ?? String(DEFAULT_SYSTEM_CONFIG[RULES[k].field]);
    parseSystemConfigValue(k, v);
    return [storageKey(SystemAddress.SystemConfig, entryKey(k)), encodeCanonical([v, 0, v])];
  });
}

/** The raw entry for RPC: the value in force at `height` and when it was set. */
export function readSystemConfigEntry(
  state: StateReader,
  key: string,
  height: number,
): { value: string; enableNumber: number } | null {
  if (!isKey(key)) return null;
  const raw = state.get(storageKey(SystemAddress.SystemConfig, entryKey(key)));
  if (!raw) return null;
  const [value, enableNumber, previous] = decodeCanonical(raw) as [string, number, string];
  return enableNumber <= height ? { value, enableNumber } : { value: previous, enableNumber: 0 };
}

/** The configuration that governs block `height`. */
export function readSystemConfig(state: StateReader, height: number): SystemConfig {
  const out: Record<string, number> = { ...DEFAULT_SYSTEM_CONFIG };
  for (const k of SYSTEM_CONFIG_KEYS) {
    const e = readSystemConfigEntry(state, k, height);
    if (e) out[RULES[k].field] = Number(e.value);
  }
  return out as unknown as SystemConfig;
}

export const systemConfigContract = new AbiContract(
  'SystemConfig',
  [
    'function setValueByKey(string key, string value) returns (int32)',
    'function getValueByKey(string key) view returns (string, int64)',
  ],
  {
    setValueByKey(frame, args) {
      const key = String(args[0]);
      const value = String(args[1]);
      // Only the committee contract, when a SetSystemConfig proposal executes: a change
      // needs the committee's votes, never one member's transaction.
      if (!equalBytes(frame.sender, SystemAddress.Committee)) {
        throw new RevertError(
          'SystemConfig: setValueByKey is called only by the committee contract 0x0000000000000000000000000000000000001005; propose the change there (lingding gov propose set-config)',
        );
      }
      try {
        parseSystemConfigValue(key, value);
      } catch (e) {
        throw new RevertError(`SystemConfig: ${(e as Error).message}`);
      }
      const storage = new ContractStorage(frame);
      const current = readSystemConfigEntry(frame.state, key, frame.block.number);
      storage.set(entryKey(key), encodeCanonical([value, frame.block.number + 1, current?.value ?? value]));
      return [0n];
    },
    getValueByKey(frame, args) {
      const key = String(args[0]);
      const e = readSystemConfigEntry(frame.state, key, frame.block.number);
      if (!e) throw new RevertError(`SystemConfig: unknown key '${key}'`);
      return [e.value, BigInt(e.enableNumber)];
    },
  },
);
