import { beforeAll, describe, expect, it } from 'vitest';
import { TestChain, testAddress } from '../testing/chain.js';
import { addressHex, TestContract } from '../testing/contract.js';
import { asExample } from '../testing/examples.js';
import type { CachedBuild } from '../testing/build-cache.js';

const alice = testAddress(0xa11ce);
const bob = testAddress(0xb0b);
const carol = testAddress(0xca201);
const SUPPLY = 10n ** 24n; // one million tokens at 18 decimals: more than u64 holds

let token: CachedBuild;
beforeAll(async () => {
  token = await asExample('token');
});

function deployToken() {
  const chain = new TestChain();
  const { contract, deployed } = TestContract.deploy(chain, token, ['Lingding Token', 'LDT', 18, SUPPLY], alice);
  expect(deployed.outcome.status).toBe('success');
  return { chain, contract, deployed };
}

describe('AssemblyScript ERC-20 token', () => {
  it('deploys with the initial supply minted to the deployer', () => {
    const { contract, deployed } = deployToken();
    expect(deployed.events.map((e) => [e.name, ...e.args])).toEqual([['Transfer', addressHex(new Uint8Array(20)), addressHex(alice), SUPPLY]]);
    expect(contract.value('name', [], bob)).toBe('Lingding Token');
    expect(contract.value('symbol', [], bob)).toBe('LDT');
    expect(contract.value('decimals', [], bob)).toBe(18n);
    expect(contract.value('totalSupply', [], bob)).toBe(SUPPLY);
    expect(contract.value('balanceOf', [addressHex(alice)], bob)).toBe(SUPPLY);
  });

  it('transfers, emitting Transfer', () => {
    const { contract } = deployToken();
    const sent = contract.send('transfer', [addressHex(bob), 250n], alice);
    expect(sent.outcome.status).toBe('success');
    expect(sent.result?.[0]).toBe(true);
    expect(sent.events.map((e) => [e.name, ...e.args])).toEqual([['Transfer', addressHex(alice), addressHex(bob), 250n]]);
    expect(contract.value('balanceOf', [addressHex(bob)], bob)).toBe(250n);
    expect(contract.value('balanceOf', [addressHex(alice)], bob)).toBe(SUPPLY - 250n);
  });

  it('reverts a transfer beyond the balance with a reason and no state change', () => {
    const { chain, contract } = deployToken();
    const before = chain.storageOf(contract.address);
    const sent = contract.send('transfer', [addressHex(carol), 1n], bob);
    expect(sent.outcome.status).toBe('revert');
    expect(sent.outcome.revertReason).toBe('ERC20: transfer amount exceeds balance');
    expect(contract.iface.parseError(sent.outcome.output)?.args[0]).toBe('ERC20: transfer amount exceeds balance');
    expect(sent.events).toEqual([]);
    expect(chain.storageOf(contract.address)).toEqual(before);
  });

  it('approves and spends allowances', () => {
    const { contract } = deployToken();
    const approved = contract.send('approve', [addressHex(bob), 100n], alice);
    expect(approved.events.map((e) => [e.name, ...e.args])).toEqual([['Approval', addressHex(alice), addressHex(bob), 100n]]);
    expect(contract.value('allowance', [addressHex(alice), addressHex(bob)], carol)).toBe(100n);
    expect(contract.send('transferFrom', [addressHex(alice), addressHex(carol), 101n], bob).outcome.revertReason).toBe('ERC20: insufficient allowance');
    const spent = contract.send('transferFrom', [addressHex(alice), addressHex(carol), 60n], bob);
    expect(spent.outcome.status).toBe('success');
    expect(contract.value('allowance', [addressHex(alice), addressHex(bob)], carol)).toBe(40n);
    expect(contract.value('balanceOf', [addressHex(carol)], carol)).toBe(60n);
  });
});
