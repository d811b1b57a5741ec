import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, governedState, propose, runAs } from '../../../test/helpers/committee.js';
import { ReceiptStatus } from '../../codec/block.js';
import { fromHex, toHex } from '../../codec/hex.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import { StateOverlay } from '../../state/overlay.js';
import { SystemAddress } from '../addresses.js';
import { Executor } from '../executor.js';
import { GasMeter } from '../gas.js';
import {
  DEFAULT_SYSTEM_CONFIG,
  SystemConfigError,
  SystemConfigErrorCode,
  parseSystemConfigValue,
  readSystemConfig,
  readSystemConfigEntry,
  systemConfigContract,
  systemConfigGenesisEntries,
} from './system-config.js';

const suite = createEcdsaSuite();
const member = suite.generateKeyPair();
const outsider = suite.generateKeyPair();
const sys = new Interface([
  'function setValueByKey(string key, string value) returns (int32)',
  'function getValueByKey(string key) view returns (string, int64)',
]);

/** A chain whose committee is `member` alone: its proposals execute as they are made. */
function genesisState(values: Record<string, string> = {}): StateOverlay {
  return governedState([{ address: member.address, weight: 1 }], DEFAULT_RULES, values);
}

const ex = new Executor();
const ctx = (number: number) => ({ number, timestamp: 0, suite });

/** Changes a value by a committee proposal in block `height`. */
function setValue(state: StateOverlay, height: number, key: string, value: string) {
  return propose(state, height, member.address, { kind: 'setSystemConfig', key, value });
}

function getValue(state: StateOverlay, height: number, key: string) {
  const r = ex.call(
    ctx(height),
    state,
    outsider.address,
    SystemAddress.SystemConfig,
    fromHex(sys.encodeFunctionData('getValueByKey', [key])),
    1_000_000,
  );
  return r;
}

describe('SystemConfig', () => {
  it('genesis gives defaults, overridable per key', () => {
    expect(readSystemConfig(genesisState(), 1)).toEqual(DEFAULT_SYSTEM_CONFIG);
    expect(readSystemConfig(genesisState({ tx_count_limit: '7' }), 1).txCountLimit).toBe(7);
    expect(() => systemConfigGenesisEntries({ tx_count_limit: '0' })).toThrow(/between 1 and/);
    // With no entries at all (not a real chain), readers fall back to defaults.
    expect(readSystemConfig(new StateOverlay({ get: () => null }), 5)).toEqual(DEFAULT_SYSTEM_CONFIG);
  });

  it('a committee change made in block h takes effect from block h+1', () => {
    const s = genesisState();
    const r = setValue(s, 5, 'tx_count_limit', '500');
    expect(r.status).toBe(ReceiptStatus.Success);
    expect(readSystemConfig(s, 5).txCountLimit).toBe(DEFAULT_SYSTEM_CONFIG.txCountLimit);
    expect(readSystemConfig(s, 6).txCountLimit).toBe(500);
    expect(readSystemConfigEntry(s, 'tx_count_limit', 6)).toEqual({ value: '500', enableNumber: 6 });
    // getValueByKey answers for the block it runs in.
    const now = sys.decodeFunctionResult('getValueByKey', getValue(s, 5, 'tx_count_limit').output);
    expect([now[0], now[1]]).toEqual([String(DEFAULT_SYSTEM_CONFIG.txCountLimit), 0n]);
    const next = sys.decodeFunctionResult('getValueByKey', getValue(s, 6, 'tx_count_limit').output);
    expect([next[0], next[1]]).toEqual(['500', 6n]);
  });

  it('a later change keeps the value in force until its own next block', () => {
    const s = genesisState();
    setValue(s, 5, 'tx_gas_limit', '200000');
    setValue(s, 8, 'tx_gas_limit', '300000');
    expect(readSystemConfig(s, 8).txGasLimit).toBe(200_000);
    expect(readSystemConfig(s, 9).txGasLimit).toBe(300_000);
    // Two changes in one block: the last wins, and the block itself still runs under the old value.
    setValue(s, 12, 'block_gas_limit', '5000000');
    setValue(s, 12, 'block_gas_limit', '6000000');
    expect(readSystemConfig(s, 12).blockGasLimit).toBe(DEFAULT_SYSTEM_CONFIG.blockGasLimit);
    expect(readSystemConfig(s, 13).blockGasLimit).toBe(6_000_000);
  });

  it('only the committee contract may call setValueByKey; a refused change leaves no trace', () => {
    const s = genesisState();
    const before = s.sortedChanges().map((c) => toHex(c.value ?? new Uint8Array()));
    for (const who of [member, outsider]) {
      const r = runAs(
        s,
        5,
        who.address,
        SystemAddress.SystemConfig,
        sys.encodeFunctionData('setValueByKey', ['tx_count_limit', '500']),
      );
      expect(r.status).toBe(ReceiptStatus.Reverted);
      expect(r.message).toMatch(/^SystemConfig: setValueByKey is called only by the committee contract/);
    }
    expect(s.sortedChanges().map((c) => toHex(c.value ?? new Uint8Array()))).toEqual(before);
    expect(readSystemConfig(s, 6).txCountLimit).toBe(DEFAULT_SYSTEM_CONFIG.txCountLimit);
  });

  it('refuses unknown keys and out-of-range or non-decimal values', () => {
    const s = genesisState();
    const cases: Array<[string, string, RegExp]> = [
      ['no_such_key', '1', /unknown system config key 'no_such_key'/],
      ['tx_count_limit', '0', /between 1 and 100000/],
      ['tx_count_limit', '100001', /between 1 and 100000/],
      ['tx_gas_limit', '99999', /between 100000/],
      ['tx_count_limit', '-5', /decimal integer/],
      ['tx_count_limit', '1e3', /decimal integer/],
      ['tx_count_limit', '', /decimal integer/],
      ['block_gas_limit', '12345678901234567', /decimal integer/],
    ];
    for (const [k, v, why] of cases) {
      const r = setValue(s, 5, k, v);
      expect(r.status, `${k}=${v}`).toBe(ReceiptStatus.Reverted);
      expect(r.message).toMatch(why);
      expect(() => parseSystemConfigValue(k, v)).toThrow(why);
      expect(() => parseSystemConfigValue(k, v)).toThrow(SystemConfigError);
    }
    expect(() => parseSystemConfigValue('tx_count_limit', '0')).toThrow(
      expect.objectContaining({
        code: SystemConfigErrorCode.OutOfRange,
        details: { key: 'tx_count_limit', value: '0' },
      }),
    );
    expect(readSystemConfig(s, 6)).toEqual(DEFAULT_SYSTEM_CONFIG);
    expect(getValue(s, 5, 'no_such_key').status).toBe(ReceiptStatus.Reverted);
    expect(readSystemConfigEntry(s, 'no_such_key', 5)).toBeNull();
  });

  it('names inherited from Object.prototype are unknown keys too', () => {
    const s = genesisState();
    for (const k of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => parseSystemConfigValue(k, '5'), k).toThrow(/unknown system config key/);
      const r = setValue(s, 5, k, '5');
      expect(r.status, k).toBe(ReceiptStatus.Reverted);
      expect(readSystemConfigEntry(s, k, 6)).toBeNull();
    }
  });

  it('is reachable only through the executor with a writable frame', () => {
    const s = genesisState();
    const r = ex.call(
      ctx(5),
      s,
      SystemAddress.Committee,
      SystemAddress.SystemConfig,
      fromHex(sys.encodeFunctionData('setValueByKey', ['tx_count_limit', '9'])),
      1_000_000,
    );
    expect(r.status).toBe(ReceiptStatus.BadCall);
    expect(readSystemConfig(s, 6).txCountLimit).toBe(DEFAULT_SYSTEM_CONFIG.txCountLimit);
    // The contract object dispatches by selector like any ABI contract.
    expect(() =>
      systemConfigContract.call({
        block: ctx(5),
        state: s.child(),
        gas: new GasMeter(1e6),
        origin: member.address,
        sender: member.address,
        self: SystemAddress.SystemConfig,
        input: Uint8Array.of(0, 0, 0, 0),
        readOnly: false,
        callStack: [],
        emit: () => {},
      }),
    ).toThrow(/unknown method selector 0x00000000/);
  });
});
