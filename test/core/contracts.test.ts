import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { encodeDeployInput } from '../../node/exec/wasm-vm.js';
import type { Receipt } from '../../node/rpc/schema.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { HOST_IMPORTS } from '../helpers/vm/contracts.js';
import { wat } from '../helpers/vm/wat.js';
import { startTestNode, suite, type TestNode } from '../helpers/in-process.js';

/**
 * A counter: input byte 1 increments and emits an event; 2 increments, emits, then
 * reverts; 3 loops forever; anything else returns the counter (8 bytes LE).
 */
const COUNTER = wat(`(module
  ${HOST_IMPORTS}
  (memory (export "memory") 1)
  (data (i32.const 200) "count")
  (func $load (result i64)
    (if (i32.lt_s (call $storage_get (i32.const 200) (i32.const 5) (i32.const 300) (i32.const 8)) (i32.const 0))
      (then (i64.store (i32.const 300) (i64.const 0))))
    (i64.load (i32.const 300)))
  (func $bump
    (i64.store (i32.const 300) (i64.add (call $load) (i64.const 1)))
    (call $storage_set (i32.const 200) (i32.const 5) (i32.const 300) (i32.const 8))
    (call $emit_event (i32.const 0) (i32.const 0) (i32.const 300) (i32.const 8)))
  (func (export "deploy")
    (i64.store (i32.const 300) (i64.const 41))
    (call $storage_set (i32.const 200) (i32.const 5) (i32.const 300) (i32.const 8)))
  (func (export "call") (local $op i32)
    (call $input_copy (i32.const 0) (i32.const 0) (i32.const 1))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 1)) (then (call $bump)))
    (if (i32.eq (local.get $op) (i32.const 2)) (then (call $bump) (call $revert (i32.const 200) (i32.const 5))))
    (if (i32.eq (local.get $op) (i32.const 3)) (then (loop $l (br $l))))
    (i64.store (i32.const 400) (call $load))
    (call $finish (i32.const 400) (i32.const 8))))`);

describe('WebAssembly contracts on a node', () => {
  let t: TestNode;
  let address: string;
  beforeAll(async () => {
    t = await startTestNode({ node: { consensus: { emptyBlockIntervalMs: 60_000 } } });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  async function send(to: Uint8Array | null, input: Uint8Array, gasLimit = 2_000_000): Promise<Receipt> {
    const height = await t.client.call('getBlockNumber');
    const { raw } = buildSignedTx(
      suite,
      { chainId: t.chain.chainId, height, to, input, gasLimit },
      t.chain.accounts[0].secretKey,
    );
    return t.client.call('sendTransaction', [toHex(raw), true]);
  }
  const counter = async () => {
    const r = await t.client.call('call', [{ to: address, data: '0x00' }]);
    return Buffer.from(fromHex(r.output)).readBigUInt64LE(0);
  };

  it('deploys a contract, runs its constructor and serves its code and ABI', async () => {
    const r = await send(null, encodeDeployInput(COUNTER, new Uint8Array(), '[{"type":"function","name":"count"}]'));
    expect(r.statusText).toBe('success');
    expect(r.contractAddress).toMatch(/^0x[0-9a-f]{40}$/);
    address = r.contractAddress!;
    expect(await t.client.call('getCode', [address])).toBe(toHex(COUNTER));
    expect(await t.client.call('getAbi', [address])).toBe('[{"type":"function","name":"count"}]');
    expect(await counter()).toBe(41n);
  });

  it('commits a successful call with its event', async () => {
    const r = await send(fromHex(address), Uint8Array.of(1));
    expect(r.statusText).toBe('success');
    expect(r.logs).toHaveLength(1);
    expect(await counter()).toBe(42n);
  });

  it('a reverting call leaves no state and no events', async () => {
    const r = await send(fromHex(address), Uint8Array.of(2));
    expect(r.statusText).toBe('reverted');
    expect(r.logs).toHaveLength(0);
    expect(await counter()).toBe(42n);
  });

  it('an infinite loop ends out of gas, using exactly the gas limit, every time', async () => {
    const a = await send(fromHex(address), Uint8Array.of(3), 500_000);
    const b = await send(fromHex(address), Uint8Array.of(3), 500_000);
    expect(a.statusText).toBe('outOfGas');
    expect(a.gasUsed).toBe(500_000);
    expect(b.gasUsed).toBe(a.gasUsed);
    expect(await counter()).toBe(42n);
  });

  it('refuses hostile or broken code at deploy with a clear message', async () => {
    const huge = wat(`(module (memory (export "memory") 65536) (func (export "call")))`);
    const cases: Array<[Uint8Array, RegExp]> = [
      [huge, /MEMORY_LIMIT/],
      [Uint8Array.of(0, 0x61, 0x73, 0x6d, 9, 9, 9), /MALFORMED|INVALID/],
      [
        wat(`(module (import "env" "now" (func)) (memory (export "memory") 1) (func (export "call")))`),
        /FORBIDDEN_IMPORT/,
      ],
    ];
    for (const [code, pattern] of cases) {
      const r = await send(null, encodeDeployInput(code, new Uint8Array(), ''));
      expect(r.statusText).toBe('deployFailed');
      expect(r.message).toMatch(pattern);
      expect(r.contractAddress).toBeNull();
    }
    const garbage = await send(null, Uint8Array.of(1, 2, 3));
    expect(garbage.statusText).toBe('deployFailed');
  });
});
