import { randomBytes } from 'node:crypto';
import { getAddress, hexlify } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { cachedBuild, CONTRACTS_DIR, type CachedBuild } from './testing/build-cache.js';
import { TestChain, testAddress } from './testing/chain.js';
import { TestContract } from './testing/contract.js';
import { rustSkipReason, rustToolchain } from './testing/examples.js';
import { buildAssemblyScript } from './toolchain/assemblyscript.js';
import { buildRustCrate } from './toolchain/cargo.js';

// The same codec contract in both SDKs (as-sdk/test/assembly/codec.ts and
// rust-sdk/test-contracts/codec), driven through ethers: each SDK must agree with ethers,
// and so with the other.
const MAX = 2n ** 256n - 1n;
const user = testAddress(1);

if (rustSkipReason) console.warn(rustSkipReason);

const sdks: Array<[string, () => Promise<CachedBuild>, boolean]> = [
  [
    'AssemblyScript',
    () =>
      cachedBuild('as-codec', ['as-sdk', 'toolchain'], () =>
        buildAssemblyScript(`${CONTRACTS_DIR}/as-sdk/test/assembly/codec.ts`),
      ),
    true,
  ],
  [
    'Rust',
    () =>
      cachedBuild('rust-codec', ['rust-sdk', 'toolchain'], () =>
        buildRustCrate(`${CONTRACTS_DIR}/rust-sdk/test-contracts/codec`, rustToolchain),
      ),
    !rustSkipReason,
  ],
];

describe.each(sdks)('%s SDK codec, as ethers sees it', (_, build, available) => {
  let codec: TestContract;
  beforeAll(async () => {
    if (available) codec = TestContract.deploy(new TestChain(), await build(), [], user).contract;
  });
  const call = (fn: string, ...args: unknown[]) => codec.send(fn, args, user);
  const value = (fn: string, ...args: unknown[]) => codec.value(fn, args, user);

  it.runIf(available)('round-trips signed and small integers at their limits', () => {
    for (const v of [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) expect(value('echoInt', v)).toBe(v);
    for (const v of [-128n, 127n, -1n]) expect(value('echoSmall', v)).toBe(v);
    expect(value('echoU16', 65535n)).toBe(65535n);
  });

  it.runIf(available)('round-trips dynamic and fixed-size byte values', () => {
    for (const n of [0, 1, 31, 32, 33, 300]) {
      const b = hexlify(randomBytes(n));
      expect(value('echoBytes', b)).toBe(b);
    }
    expect(value('echoString', 'Lingding 零丁 ✓')).toBe('Lingding 零丁 ✓');
    const a = getAddress(hexlify(randomBytes(20)));
    expect(value('echoAddress', a)).toBe(a);
    const w = hexlify(randomBytes(32));
    expect(value('echoWord', w)).toBe(w);
    expect(value('join', 'ab', 0x2d, hexlify(Buffer.from('cd')))).toBe('ab-cd');
  });

  it.runIf(available)('computes u256 exactly and reverts on overflow', () => {
    const a = 2n ** 200n + 12345n;
    const b = 2n ** 130n + 987654321n;
    expect(value('add', a, b)).toBe(a + b);
    expect(value('add', MAX - 5n, 5n)).toBe(MAX);
    expect(value('sub', a, b)).toBe(a - b);
    expect(value('mul', 2n ** 100n + 7n, 2n ** 120n + 3n)).toBe((2n ** 100n + 7n) * (2n ** 120n + 3n));
    expect(value('mul', MAX, 1n)).toBe(MAX);
    expect(value('mul', 2n ** 64n - 1n, 2n ** 64n - 1n)).toBe((2n ** 64n - 1n) ** 2n);
    expect(value('less', b, a)).toBe(true);
    expect(value('less', a, a)).toBe(false);
    expect(call('add', MAX, 1n).outcome.revertReason).toBe('u256: addition overflow');
    expect(call('sub', b, a).outcome.revertReason).toBe('u256: subtraction underflow');
    expect(call('mul', 2n ** 128n, 2n ** 128n).outcome.revertReason).toBe('u256: multiplication overflow');
  });

  it.runIf(available)('refuses out-of-range words like Solidity', () => {
    const raw = (fn: string, word: string) => {
      const sel = codec.iface.getFunction(fn)!.selector;
      return codec.chain.call(codec.address, Uint8Array.from(Buffer.from(sel.slice(2) + word, 'hex')), user)
        .revertReason;
    };
    expect(raw('echoSmall', '00'.repeat(31) + '80')).toBe('abi: integer out of range'); // +128 is not an int8
    expect(raw('echoSmall', 'ff'.repeat(31) + '7f')).toBe('abi: integer out of range'); // sign bytes without the sign
    expect(raw('echoU16', '00'.repeat(29) + '010000')).toBe('abi: integer out of range');
    expect(raw('echoBytes', '00'.repeat(31) + '20' + '00'.repeat(31) + '40')).toBe('abi: call data too short');
    // Dirty bytes anywhere above the value, not only next to it.
    expect(raw('echoU16', `01${'00'.repeat(31)}`)).toBe('abi: integer out of range');
    expect(raw('echoInt', `${'00'.repeat(23)}01${'00'.repeat(8)}`)).toBe('abi: integer out of range');
    expect(raw('echoSmall', `7f${'ff'.repeat(31)}`)).toBe('abi: integer out of range');
    expect(raw('echoAddress', `01${'00'.repeat(31)}`)).toBe('abi: invalid address');
    expect(raw('echoAddress', `${'00'.repeat(11)}01${'00'.repeat(20)}`)).toBe('abi: invalid address');
    expect(raw('echoBytes', `${'00'.repeat(31)}2001${'00'.repeat(31)}`)).toBe('abi: length out of range');
  });
});
