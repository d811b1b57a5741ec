import { hexlify } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareContract } from '../../node/vm/index.js';
import { TestChain, testAddress } from '../testing/chain.js';
import { addressHex, TestContract } from '../testing/contract.js';
import { asExample, rustExample, rustSkipReason } from '../testing/examples.js';
import type { CachedBuild } from '../testing/build-cache.js';

const alice = testAddress(0xa11ce);
const bob = testAddress(0xb0b);
const carol = testAddress(0xca201);
const ZERO = addressHex(new Uint8Array(20));
const SUPPLY = 10n ** 24n; // one million tokens at 18 decimals: more than u64 holds

if (rustSkipReason) console.warn(rustSkipReason);

const languages: Array<[string, () => Promise<CachedBuild>, boolean]> = [
  ['AssemblyScript', () => asExample('token'), true],
  ['Rust', () => rustExample('token'), !rustSkipReason],
];

function deployToken(token: CachedBuild) {
  const chain = new TestChain();
  const { contract, deployed } = TestContract.deploy(chain, token, ['Lingding Token', 'LDT', 18, SUPPLY], alice);
  expect(deployed.outcome.status).toBe('success');
  return { chain, contract, deployed };
}

const summary = (events: { name: string; args: readonly unknown[] }[]) => events.map((e) => [e.name, ...e.args]);

/** V8's WebAssembly API, typed for the reflection calls used here (the project compiles without DOM types). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      Module: {
        new (bytes: Uint8Array): object;
        imports(m: object): Array<{ module: string }>;
        exports(m: object): Array<{ name: string }>;
      };
    };
  }
).WebAssembly;

describe.each(languages)('%s ERC-20 token', (_, build, available) => {
  let token: CachedBuild;
  beforeAll(async () => {
    if (available) token = await build();
  });

  it.runIf(available)('is accepted by the VM as built: integer-only, lingding imports, one or two pages', () => {
    const prepared = prepareContract(token.wasm);
    expect(prepared.hasDeploy).toBe(true);
    expect(prepared.memoryPages).toBeLessThanOrEqual(2);
    const imports = wasmApi.Module.imports(new wasmApi.Module(token.wasm));
    expect(new Set(imports.map((i) => i.module))).toEqual(new Set(['lingding']));
    expect(wasmApi.Module.exports(new wasmApi.Module(token.wasm)).map((e) => e.name)).toEqual(
      expect.arrayContaining(['call', 'deploy', 'memory']),
    );
  });

  it.runIf(available)('deploys with the initial supply minted to the deployer', () => {
    const { contract, deployed } = deployToken(token);
    expect(summary(deployed.events)).toEqual([['Transfer', ZERO, addressHex(alice), SUPPLY]]);
    expect(contract.value('name', [], bob)).toBe('Lingding Token');
    expect(contract.value('symbol', [], bob)).toBe('LDT');
    expect(contract.value('decimals', [], bob)).toBe(18n);
    expect(contract.value('totalSupply', [], bob)).toBe(SUPPLY);
    expect(contract.value('balanceOf', [addressHex(alice)], bob)).toBe(SUPPLY);
  });

  it.runIf(available)('transfers, emitting Transfer', () => {
    const { contract } = deployToken(token);
    const sent = contract.send('transfer', [addressHex(bob), 250n], alice);
    expect(sent.outcome.status).toBe('success');
    expect(sent.result?.[0]).toBe(true);
    expect(summary(sent.events)).toEqual([['Transfer', addressHex(alice), addressHex(bob), 250n]]);
    expect(contract.value('balanceOf', [addressHex(bob)], bob)).toBe(250n);
    expect(contract.value('balanceOf', [addressHex(alice)], bob)).toBe(SUPPLY - 250n);
  });

  it.runIf(available)('reverts a transfer beyond the balance with a reason and no state change', () => {
    const { chain, contract } = deployToken(token);
    const before = chain.storageOf(contract.address);
    const sent = contract.send('transfer', [addressHex(carol), 1n], bob);
    expect(sent.outcome.status).toBe('revert');
    expect(sent.outcome.revertReason).toBe('ERC20: transfer amount exceeds balance');
    expect(contract.iface.parseError(sent.outcome.output)?.args[0]).toBe('ERC20: transfer amount exceeds balance');
    expect(sent.events).toEqual([]);
    expect(chain.storageOf(contract.address)).toEqual(before);
  });

  it.runIf(available)('approves and spends allowances', () => {
    const { contract } = deployToken(token);
    const approved = contract.send('approve', [addressHex(bob), 100n], alice);
    expect(summary(approved.events)).toEqual([['Approval', addressHex(alice), addressHex(bob), 100n]]);
    expect(contract.value('allowance', [addressHex(alice), addressHex(bob)], carol)).toBe(100n);
    expect(contract.send('transferFrom', [addressHex(alice), addressHex(carol), 101n], bob).outcome.revertReason).toBe(
      'ERC20: insufficient allowance',
    );
    const spent = contract.send('transferFrom', [addressHex(alice), addressHex(carol), 60n], bob);
    expect(spent.outcome.status).toBe('success');
    expect(contract.value('allowance', [addressHex(alice), addressHex(bob)], carol)).toBe(40n);
    expect(contract.value('balanceOf', [addressHex(carol)], carol)).toBe(60n);
  });

  it.runIf(available)('refuses malformed call data with Solidity-style reasons', () => {
    const { chain, contract } = deployToken(token);
    const reason = (input: string) =>
      chain.call(contract.address, Uint8Array.from(Buffer.from(input, 'hex')), alice).revertReason;
    expect(reason('')).toBe('call data has no function selector');
    expect(reason('deadbeef')).toBe('unknown function selector 0xdeadbeef');
    // balanceOf(address) with the argument cut short, then with dirty high bytes.
    expect(reason('70a08231' + '00'.repeat(31))).toBe('abi: call data too short');
    expect(reason('70a08231' + 'ff'.repeat(32))).toBe('abi: invalid address');
  });
});

describe.runIf(!rustSkipReason)('AssemblyScript and Rust tokens', () => {
  it('give the same outputs, revert data, events and storage for the same calls', async () => {
    const [as, rust] = await Promise.all([asExample('token'), rustExample('token')]);
    const script: Array<[string, unknown[], Uint8Array]> = [
      ['transfer', [addressHex(bob), 1000n], alice],
      ['approve', [addressHex(carol), 500n], bob],
      ['transferFrom', [addressHex(bob), addressHex(carol), 200n], carol],
      ['transferFrom', [addressHex(bob), addressHex(carol), 400n], carol],
      ['transfer', [ZERO, 1n], alice],
      ['transfer', [addressHex(alice), 10n ** 30n], bob],
      ['balanceOf', [addressHex(carol)], bob],
      ['allowance', [addressHex(bob), addressHex(carol)], bob],
      ['name', [], bob],
      ['symbol', [], bob],
      ['decimals', [], bob],
      ['totalSupply', [], bob],
    ];
    const trace = (built: CachedBuild) => {
      const { chain, contract, deployed } = deployToken(built);
      const runs = [deployed, ...script.map(([fn, args, from]) => contract.send(fn, args, from))].map(
        ({ outcome }) => ({
          status: outcome.status,
          output: hexlify(outcome.output),
          events: outcome.events.map((e) => ({ topics: e.topics.map((t) => hexlify(t)), data: hexlify(e.data) })),
        }),
      );
      return { runs, storage: chain.storageOf(contract.address) };
    };
    const a = trace(as);
    const r = trace(rust);
    expect(a.runs.map((x) => x.status)).toContain('revert');
    expect(r.runs).toEqual(a.runs);
    expect(r.storage).toEqual(a.storage);
  });
});
