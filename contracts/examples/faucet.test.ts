import { beforeAll, describe, expect, it } from 'vitest';
import { TestChain, testAddress } from '../testing/chain.js';
import { addressHex, TestContract } from '../testing/contract.js';
import { asExample } from '../testing/examples.js';
import type { CachedBuild } from '../testing/build-cache.js';

const treasury = testAddress(0x7ea5);
const alice = testAddress(0xa11ce);
const bob = testAddress(0xb0b);

let token: CachedBuild;
let faucet: CachedBuild;
beforeAll(async () => {
  [token, faucet] = await Promise.all([asExample('token'), asExample('faucet')]);
});

/** A token, and a faucet holding `funded` of it that gives 100 per claim. */
function setUp(funded: bigint) {
  const chain = new TestChain();
  const t = TestContract.deploy(chain, token, ['Pilot Token', 'PLT', 0, 1_000_000n], treasury).contract;
  const f = TestContract.deploy(chain, faucet, [addressHex(t.address), 100n], treasury).contract;
  expect(t.send('transfer', [addressHex(f.address), funded], treasury).outcome.status).toBe('success');
  return { chain, t, f };
}

describe('a contract calling another (AssemblyScript faucet over the token)', () => {
  it("pays a claim through the token, with both contracts' events", () => {
    const { t, f } = setUp(250n);
    const claim = f.send('claim', [], alice);
    expect(claim.outcome.status).toBe('success');
    expect(claim.result?.[0]).toBe(100n);
    // The token's Transfer (from the faucet) comes first, then the faucet's own Claimed.
    expect(claim.outcome.events.map((e) => e.address)).toEqual(
      [t.address, f.address].map((a) => Buffer.from(a).toString('hex')),
    );
    expect(claim.events.map((e) => [e.name, ...e.args])).toEqual([['Claimed', addressHex(alice), 100n]]);
    expect(t.value('balanceOf', [addressHex(alice)], bob)).toBe(100n);
    expect(f.value('available', [], bob)).toBe(150n);
    expect(f.value('hasClaimed', [addressHex(alice)], bob)).toBe(true);
    expect(f.value('token', [], bob)).toBe(addressHex(t.address));
  });

  it('refuses a second claim', () => {
    const { f } = setUp(250n);
    f.send('claim', [], alice);
    expect(f.send('claim', [], alice).outcome.revertReason).toBe('faucet: already claimed');
  });

  it("passes on the token's revert reason and rolls back its own writes", () => {
    const { chain, t, f } = setUp(50n);
    const before = chain.storageOf(f.address);
    const claim = f.send('claim', [], bob);
    expect(claim.outcome.status).toBe('revert');
    expect(claim.outcome.revertReason).toBe('ERC20: transfer amount exceeds balance');
    expect(chain.storageOf(f.address)).toEqual(before);
    expect(f.value('hasClaimed', [addressHex(bob)], bob)).toBe(false);
    expect(t.value('balanceOf', [addressHex(f.address)], bob)).toBe(50n);
  });
});
