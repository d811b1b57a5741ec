import { contractAuthReader, readAdmin } from './system/index.js';
import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import { buildSignedTx } from '../codec/tx-builder.js';
import { buildGenesis } from '../chain/genesis-block.js';
import { ReceiptStatus, type Receipt } from '../codec/block.js';
import { fromHex, hexKey, toHex } from '../codec/hex.js';
import { parseGenesis } from '../config/genesis.js';
import { createEcdsaSuite } from '../crypto/index.js';
import type { KeyPair } from '../crypto/suite.js';
import { StateOverlay, type StateReader } from '../state/overlay.js';
import { VmInternalError } from '../vm/index.js';
import { storageKey, SystemAddress } from './addresses.js';
import { contractAddress, Executor, type ContractVm } from './executor.js';
import { GasCost, intrinsicGas } from './gas.js';
import type { BlockContext, Contract } from './types.js';

const suite = createEcdsaSuite();
const alice = suite.generateKeyPair();
const bob = suite.generateKeyPair();
const kv = new Interface([
  'function set(string key, string value) returns (int32)',
  'function get(string key) view returns (bool, string)',
  'function getOf(address owner, string key) view returns (bool, string)',
  'function remove(string key) returns (int32)',
  'event KVSet(address indexed owner, string key, string value)',
]);
const genesis = parseGenesis({
  chainId: 'exec',
  suite: 'ecdsa',
  timestamp: 1,
  sealers: [toHex(suite.generateKeyPair().publicKey)],
  committee: { members: [{ address: toHex(alice.address) }] },
});
const block: BlockContext = { number: 1, timestamp: 1000, suite };

/** Block state over the genesis state, as the chain executes block 1. */
function blockState(): StateOverlay {
  return new StateOverlay(buildGenesis(suite, genesis).state);
}

function tx(from: KeyPair, to: Uint8Array | null, input: string | Uint8Array, gasLimit = 200_000) {
  const { tx } = buildSignedTx(
    suite,
    { chainId: 'exec', height: 0, to, input: typeof input === 'string' ? fromHex(input) : input, gasLimit },
    from.secretKey,
  );
  return { tx, sender: from.address };
}

const kvSet = (k: string, v: string) => kv.encodeFunctionData('set', [k, v]);

function kvGet(ex: Executor, state: StateOverlay, who: KeyPair, key: string): [boolean, string] {
  const r = ex.call(
    block,
    state,
    who.address,
    SystemAddress.KVStore,
    fromHex(kv.encodeFunctionData('get', [key])),
    1e6,
  );
  expect(r.status).toBe(ReceiptStatus.Success);
  const [found, value] = kv.decodeFunctionResult('get', r.output);
  return [found, value];
}

function changes(s: StateOverlay): string[] {
  return s.sortedChanges().map((c) => `${hexKey(c.key)}=${c.value === null ? '-' : hexKey(c.value)}`);
}

describe('Executor with the KVStore system contract', () => {
  it('runs an ABI-encoded call, charges the gas schedule and emits the Solidity event', () => {
    const ex = new Executor();
    const s = blockState();
    const input = kvSet('color', 'blue');
    const r = ex.runTx(block, s, tx(alice, SystemAddress.KVStore, input));
    expect(r.status).toBe(ReceiptStatus.Success);
    expect(r.message).toBe('');
    expect(kv.decodeFunctionResult('set', r.output)[0]).toBe(0n);
    const rowKeyBytes = 20 + 'color'.length;
    expect(r.gasUsed).toBe(
      intrinsicGas(fromHex(input).length) + GasCost.storageWrite + GasCost.storageWriteByte * (rowKeyBytes + 4),
    );
    expect(r.logs).toHaveLength(1);
    const parsed = kv.parseLog({ topics: r.logs[0].topics.map(toHex), data: toHex(r.logs[0].data) });
    expect(parsed?.name).toBe('KVSet');
    expect(parsed?.args.owner.toLowerCase()).toBe(toHex(alice.address));
    expect([parsed?.args.key, parsed?.args.value]).toEqual(['color', 'blue']);
    expect(toHex(r.logs[0].address)).toBe(toHex(SystemAddress.KVStore));
    expect(kvGet(ex, s, alice, 'color')).toEqual([true, 'blue']);
  });

  it('keeps one namespace per owner', () => {
    const ex = new Executor();
    const s = blockState();
    expect(ex.runTx(block, s, tx(alice, SystemAddress.KVStore, kvSet('k', 'alice'))).status).toBe(0);
    expect(ex.runTx(block, s, tx(bob, SystemAddress.KVStore, kvSet('k', 'bob'))).status).toBe(0);
    expect(kvGet(ex, s, alice, 'k')).toEqual([true, 'alice']);
    expect(kvGet(ex, s, bob, 'k')).toEqual([true, 'bob']);
    const of = ex.call(
      block,
      s,
      bob.address,
      SystemAddress.KVStore,
      fromHex(kv.encodeFunctionData('getOf', [toHex(alice.address), 'k'])),
      1e6,
    );
    expect(kv.decodeFunctionResult('getOf', of.output).toArray()).toEqual([true, 'alice']);
    // Removing bob's row leaves alice's.
    const rm = ex.runTx(block, s, tx(bob, SystemAddress.KVStore, kv.encodeFunctionData('remove', ['k'])));
    expect(rm.status).toBe(ReceiptStatus.Success);
    expect(kvGet(ex, s, bob, 'k')).toEqual([false, '']);
    expect(kvGet(ex, s, alice, 'k')).toEqual([true, 'alice']);
  });

  it('a read-only call keeps nothing and refuses writes', () => {
    const ex = new Executor();
    const s = blockState();
    const before = changes(s);
    const r = ex.call(block, s, alice.address, SystemAddress.KVStore, fromHex(kvSet('a', 'b')), 1e6);
    expect(r.status).toBe(ReceiptStatus.BadCall);
    expect(r.message).toMatch(/read-only/);
    expect(changes(s)).toEqual(before);
  });

  it('a reverted transaction uses gas but leaves no state and no logs', () => {
    const ex = new Executor();
    const s = blockState();
    ex.runTx(block, s, tx(alice, SystemAddress.KVStore, kvSet('keep', 'me')));
    const before = changes(s);
    const r = ex.runTx(block, s, tx(alice, SystemAddress.KVStore, kvSet('', 'x')));
    expect(r.status).toBe(ReceiptStatus.Reverted);
    expect(r.message).toMatch(/key must be 1\.\.256 bytes/);
    expect(r.gasUsed).toBeGreaterThanOrEqual(intrinsicGas(fromHex(kvSet('', 'x')).length));
    expect(r.logs).toEqual([]);
    expect(changes(s)).toEqual(before);
    expect(kvGet(ex, s, alice, 'keep')).toEqual([true, 'me']);
  });

  it('out of gas: all gas used, nothing kept', () => {
    const ex = new Executor();
    const s = blockState();
    const input = kvSet('k', 'v');
    const limit = intrinsicGas(fromHex(input).length) + 1000; // not enough for the storage write
    const r = ex.runTx(block, s, tx(alice, SystemAddress.KVStore, input, limit));
    expect(r.status).toBe(ReceiptStatus.OutOfGas);
    expect(r.gasUsed).toBe(limit);
    expect(r.logs).toEqual([]);
    expect(s.size).toBe(0);
    // Not even the intrinsic cost: still a receipt, still nothing kept.
    const tiny = ex.runTx(block, s, tx(alice, SystemAddress.KVStore, input, 100));
    expect(tiny.status).toBe(ReceiptStatus.OutOfGas);
    expect(tiny.gasUsed).toBe(100);
    expect(s.size).toBe(0);
  });

  it('bad input gives a clear failure and changes nothing', () => {
    const ex = new Executor();
    const s = blockState();
    const run = (to: Uint8Array | null, input: Uint8Array | string): Receipt =>
      ex.runTx(block, s, tx(alice, to, input));
    const short = run(SystemAddress.KVStore, Uint8Array.of(1, 2));
    expect([short.status, short.message]).toEqual([
      ReceiptStatus.BadCall,
      'KVStore: input shorter than a 4-byte selector',
    ]);
    const unknown = run(SystemAddress.KVStore, '0xdeadbeef');
    expect([unknown.status, unknown.message]).toEqual([
      ReceiptStatus.BadCall,
      'KVStore: unknown method selector 0xdeadbeef',
    ]);
    // The right selector followed by arguments that do not decode.
    const malformed = run(SystemAddress.KVStore, `${kvSet('k', 'v').slice(0, 10)}00ff`);
    expect(malformed.status).toBe(ReceiptStatus.Reverted);
    expect(malformed.message).toMatch(/^KVStore\.set: malformed ABI arguments/);
    // A string offset pointing far outside the calldata.
    const badOffset = run(SystemAddress.KVStore, `${kvSet('k', 'v').slice(0, 10)}${'ff'.repeat(32)}${'00'.repeat(32)}`);
    expect(badOffset.status).toBe(ReceiptStatus.Reverted);
    expect(badOffset.message).toMatch(/malformed ABI arguments/);
    const nobody = run(new Uint8Array(20).fill(7), kvSet('k', 'v'));
    expect(nobody.status).toBe(ReceiptStatus.BadCall);
    expect(nobody.message).toBe(`no contract at address 0x${'07'.repeat(20)}`);
    const deploy = run(null, '0x0061736d');
    expect(deploy.status).toBe(ReceiptStatus.DeployFailed);
    expect(deploy.contractAddress).toBeNull();
    for (const r of [short, unknown, malformed, badOffset, nobody, deploy]) {
      expect(r.logs).toEqual([]);
      expect(r.gasUsed).toBeGreaterThan(0);
    }
    expect(s.size).toBe(0);
  });

  it('a failed transaction does not undo the ones before it in the block', () => {
    const ex = new Executor();
    const s = blockState();
    ex.runTx(block, s, tx(alice, SystemAddress.KVStore, kvSet('a', '1')));
    ex.runTx(block, s, tx(alice, SystemAddress.KVStore, '0x00'));
    ex.runTx(block, s, tx(alice, SystemAddress.KVStore, kvSet('b', '2')));
    expect(kvGet(ex, s, alice, 'a')).toEqual([true, '1']);
    expect(kvGet(ex, s, alice, 'b')).toEqual([true, '2']);
    expect(s.size).toBe(2);
  });
});

describe('Executor with a contract VM', () => {
  function vmWith(contract: Contract): ContractVm & { deployed: string[] } {
    const vm = {
      deployed: [] as string[],
      resolver: null as ((state: StateReader, address: Uint8Array) => Contract | null) | null,
      deploy(frame: Parameters<ContractVm['deploy']>[0], _input: Uint8Array, address: Uint8Array) {
        vm.deployed.push(hexKey(address));
        frame.state.set(storageKey(address, Uint8Array.of(0)), Uint8Array.of(1));
      },
      resolve(_state: StateReader, address: Uint8Array) {
        return hexKey(address) === 'ab'.repeat(20) ? contract : null;
      },
      bindResolver(r: (state: StateReader, address: Uint8Array) => Contract | null) {
        vm.resolver = r;
      },
    };
    return vm;
  }

  it('deploys at the address derived from sender and nonce', () => {
    const vm = vmWith({ call: () => new Uint8Array() });
    const ex = new Executor(vm);
    const s = blockState();
    const t = tx(alice, null, '0x0061736d');
    const r = ex.runTx(block, s, t);
    expect(r.status).toBe(ReceiptStatus.Success);
    const expected = contractAddress(suite, alice.address, t.tx.nonce);
    expect(toHex(r.contractAddress!)).toBe(toHex(expected));
    expect(vm.deployed).toEqual([hexKey(expected)]);
    // The code, and the deployer recorded as the contract's admin.
    expect(s.size).toBe(2);
    expect(readAdmin(contractAuthReader(s), expected)).toEqual(alice.address);
  });

  it('a contract bug fails the transaction (Trapped), a node-side VM error propagates', () => {
    let thrown: Error = new TypeError('oops');
    const ex = new Executor(
      vmWith({
        call(frame) {
          frame.state.set(Uint8Array.of(1), Uint8Array.of(1));
          throw thrown;
        },
      }),
    );
    const s = blockState();
    const to = fromHex(`0x${'ab'.repeat(20)}`);
    const r = ex.runTx(block, s, tx(alice, to, '0x'));
    expect(r.status).toBe(ReceiptStatus.Trapped);
    // The receipt names the error's class only: its message is runtime text and would decide a hashed byte.
    expect(r.message).toBe('internal error (TypeError)');
    expect(s.size).toBe(0);
    thrown = new VmInternalError('engine could not compile');
    expect(() => ex.runTx(block, s, tx(alice, to, '0x'))).toThrow(VmInternalError);
    expect(s.size).toBe(0);
  });

  it('system contracts are resolved before the VM', () => {
    const ex = new Executor(vmWith({ call: () => Uint8Array.of(9) }));
    const s = blockState();
    const r = ex.runTx(block, s, tx(alice, SystemAddress.KVStore, kvSet('k', 'v')));
    expect(r.status).toBe(ReceiptStatus.Success);
    expect(kvGet(ex, s, alice, 'k')).toEqual([true, 'v']);
  });
});
