import { describe, expect, it } from 'vitest';
import { createEcdsaSuite } from '../crypto/index.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { TxPool, type PoolChainView, type TxPoolOptions } from './pool.js';
import { TxRejectCode, TxRejectedError } from './errors.js';

const suite = createEcdsaSuite();
const alice = suite.generateKeyPair();
const bob = suite.generateKeyPair();

function pool(opts: Partial<TxPoolOptions> = {}, chain: Partial<PoolChainView> = {}) {
  let height = 10;
  const view: PoolChainView = {
    height: () => height,
    txGasLimit: () => 1_000_000,
    nonceOnChain: () => false,
    txOnChain: () => false,
    ...chain,
  };
  const p = new TxPool(
    {
      chainId: 'c',
      blockLimitWindow: 100,
      maxTxBytes: 10_000,
      maxCount: 100,
      maxBytes: 1_000_000,
      maxPerSender: 100,
      ...opts,
    },
    { suite, chain: view },
  );
  return { p, setHeight: (h: number) => (height = h) };
}

const tx = (who = alice, blockLimitOffset = 50, input = new Uint8Array(8)) =>
  buildSignedTx(
    suite,
    { chainId: 'c', height: 10, to: new Uint8Array(20), input, gasLimit: 100_000, blockLimitWindow: blockLimitOffset },
    who.secretKey,
  );

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TxRejectedError) return e.code;
    throw e;
  }
  return 'ACCEPTED';
}

describe('TxPool', () => {
  it('admits in arrival order and recovers the sender once', () => {
    const { p } = pool();
    const a = p.add(tx().raw);
    const b = p.add(tx(bob).raw);
    expect(p.pending(10).map((e) => e.hashHex)).toEqual([a.hashHex, b.hashHex]);
    expect(Buffer.from(a.sender).equals(Buffer.from(alice.address))).toBe(true);
  });

  it('enforces count, byte and per-sender quotas', () => {
    const { p } = pool({ maxCount: 3, maxPerSender: 2 });
    p.add(tx().raw);
    p.add(tx().raw);
    expect(code(() => p.add(tx().raw))).toBe(TxRejectCode.SenderQuota);
    p.add(tx(bob).raw);
    expect(code(() => p.add(tx(bob).raw))).toBe(TxRejectCode.PoolFull);
    const small = pool({ maxBytes: 250 }).p;
    small.add(tx().raw);
    expect(code(() => small.add(tx().raw))).toBe(TxRejectCode.PoolFull);
  });

  it('evicts expired transactions and those committed, freeing their quota', () => {
    const { p, setHeight } = pool({ maxPerSender: 2 });
    const short = p.add(tx(alice, 2).raw); // blockLimit 12
    const long = p.add(tx(alice, 50).raw);
    expect(code(() => p.add(tx().raw))).toBe(TxRejectCode.SenderQuota);
    setHeight(12);
    expect(p.onBlockCommitted([long.hashHex], 12)).toEqual({ removed: 1, expired: 1 });
    expect(p.size).toBe(0);
    expect(p.has(short.hashHex)).toBe(false);
    expect(code(() => p.add(tx().raw))).toBe('ACCEPTED');
  });

  it('refuses nonces already on chain and oversized transactions', () => {
    const { p } = pool({ maxTxBytes: 300 }, { nonceOnChain: () => true });
    expect(code(() => p.add(tx().raw))).toBe(TxRejectCode.NonceReused);
    expect(code(() => p.add(tx(alice, 50, new Uint8Array(400)).raw))).toBe(TxRejectCode.TooLarge);
  });
});
