import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import { buildSignedTx } from '../../codec/tx-builder.js';
import { ReceiptStatus } from '../../codec/block.js';
import { fromHex } from '../../codec/hex.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import { StateOverlay } from '../../state/overlay.js';
import { SystemAddress } from '../addresses.js';
import { Executor } from '../executor.js';

const suite = createEcdsaSuite();
const signer = suite.generateKeyPair();
const owner = signer.address;
const kv = new Interface([
  'function set(string key, string value) returns (int32)',
  'function get(string key) view returns (bool, string)',
]);
const ex = new Executor();
const ctx = { number: 1, timestamp: 0, suite };

function send(state: StateOverlay, input: string, gasLimit = 10_000_000) {
  const { tx } = buildSignedTx(
    suite,
    { chainId: 'c', height: 0, to: SystemAddress.KVStore, input: fromHex(input), gasLimit },
    signer.secretKey,
  );
  return ex.runTx(ctx, state, { tx, sender: owner });
}

function get(state: StateOverlay, key: string): [boolean, string] {
  const r = ex.call(ctx, state, owner, SystemAddress.KVStore, fromHex(kv.encodeFunctionData('get', [key])), 1e7);
  const [found, value] = kv.decodeFunctionResult('get', r.output);
  return [found, value];
}

describe('KVStore limits', () => {
  it('keys are 1..256 UTF-8 bytes, values at most 16 KiB', () => {
    const s = new StateOverlay({ get: () => null });
    expect(send(s, kv.encodeFunctionData('set', ['k'.repeat(256), 'v'])).status).toBe(ReceiptStatus.Success);
    expect(send(s, kv.encodeFunctionData('set', ['k'.repeat(257), 'v'])).status).toBe(ReceiptStatus.Reverted);
    // 86 three-byte characters: 86 JS chars but 258 bytes.
    const wide = '中'.repeat(86);
    const r = send(s, kv.encodeFunctionData('set', [wide, 'v']));
    expect(r.status).toBe(ReceiptStatus.Reverted);
    expect(r.message).toMatch(/key must be 1\.\.256 bytes/);
    expect(send(s, kv.encodeFunctionData('set', ['big', 'x'.repeat(16 * 1024)])).status).toBe(ReceiptStatus.Success);
    const tooBig = send(s, kv.encodeFunctionData('set', ['big', 'y'.repeat(16 * 1024 + 1)]));
    expect(tooBig.status).toBe(ReceiptStatus.Reverted);
    expect(tooBig.message).toMatch(/at most 16384 bytes/);
    expect(get(s, 'big')).toEqual([true, 'x'.repeat(16 * 1024)]);
    expect(s.size).toBe(2);
  });

  it('round-trips non-ASCII keys and values, and an empty value is a stored row', () => {
    const s = new StateOverlay({ get: () => null });
    expect(send(s, kv.encodeFunctionData('set', ['账户', '余额 ✓'])).status).toBe(ReceiptStatus.Success);
    expect(get(s, '账户')).toEqual([true, '余额 ✓']);
    expect(send(s, kv.encodeFunctionData('set', ['blank', ''])).status).toBe(ReceiptStatus.Success);
    expect(get(s, 'blank')).toEqual([true, '']);
    expect(get(s, 'never')).toEqual([false, '']);
  });
});
