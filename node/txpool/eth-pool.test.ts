import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Transaction, Wallet, getBytes, type TransactionLike } from 'ethers';
import { encodeCanonical } from '../codec/canonical.js';
import { fromHex, hexKey } from '../codec/hex.js';
import { TxType } from '../codec/tx.js';
import { createEcdsaSuite } from '../crypto/ecdsa.js';
import { TxRejectCode, TxRejectedError } from './errors.js';
import { TxPool } from './pool.js';

const suite = createEcdsaSuite();
const CHAIN = 777;
const alice = new Wallet(`0x${'0a'.repeat(32)}`);
const bob = new Wallet(`0x${'0b'.repeat(32)}`);

/** A pool whose chain keeps each sender's next Ethereum nonce in `state` (hex address -> nonce). */
function ethPool(opts: { maxEthNonceGap?: number; maxPerSender?: number } = {}) {
  const state = new Map<string, number>();
  const pool = new TxPool(
    {
      chainId: 'c',
      ethereumChainId: CHAIN,
      maxEthNonceGap: opts.maxEthNonceGap ?? 64,
      blockLimitWindow: 100,
      maxTxBytes: 10_000,
      maxCount: 1000,
      maxBytes: 1_000_000,
      maxPerSender: opts.maxPerSender ?? 100,
      pendingTtlMs: 600_000,
    },
    {
      suite,
      chain: {
        height: () => 0,
        txGasLimit: () => 1_000_000,
        blockBytesLimit: () => 64 * 1024,
        nonceOnChain: () => false,
        txOnChain: () => false,
        admissionRefusal: () => null,
        privateRecordRefusal: () => null,
        ethNonce: (a) => state.get(hexKey(a)) ?? 0,
      },
    },
  );
  return { pool, state };
}

function raw(fields: TransactionLike, w: Wallet = alice): Uint8Array {
  const t = Transaction.from({ type: 2, chainId: CHAIN, gasLimit: 100_000, to: `0x${'11'.repeat(20)}`, ...fields });
  t.signature = w.signingKey.sign(t.unsignedHash);
  return encodeCanonical([TxType.Ethereum, getBytes(t.serialized)]);
}

const key = (w: Wallet) => hexKey(fromHex(w.address));

function rejects(f: () => unknown, code: string, start: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TxRejectedError);
    expect((e as TxRejectedError).code).toBe(code);
    expect((e as Error).message.startsWith(start)).toBe(true);
    return;
  }
  throw new Error(`expected a rejection starting '${start}'`);
}

describe('tx pool: Ethereum transactions', () => {
  it('refuses with geth’s words: chain id, value, nonce too low, already known, replacement, nonce too high', () => {
    const { pool, state } = ethPool({ maxEthNonceGap: 3 });
    rejects(() => pool.add(raw({ nonce: 0, chainId: 1 })), TxRejectCode.WrongChain, 'invalid chain id for signer');
    rejects(
      () => pool.add(raw({ nonce: 0, value: 1n })),
      TxRejectCode.InsufficientFunds,
      'insufficient funds for gas * price + value',
    );
    const first = raw({ nonce: 5 });
    state.set(key(alice), 5);
    rejects(() => pool.add(raw({ nonce: 4 })), TxRejectCode.NonceTooLow, 'nonce too low: next nonce 5, tx nonce 4');
    pool.add(first);
    rejects(() => pool.add(first), TxRejectCode.AlreadyKnown, 'already known');
    rejects(
      () => pool.add(raw({ nonce: 5, data: '0x01' })),
      TxRejectCode.ReplacementUnderpriced,
      'replacement transaction underpriced',
    );
    // Next pending nonce is 6: 6 + 3 is the furthest held.
    pool.add(raw({ nonce: 9 }));
    rejects(() => pool.add(raw({ nonce: 10 })), TxRejectCode.NonceTooHigh, 'nonce too high');
    expect(pool.size).toBe(2);
  });

  it('holds gapped transactions until the gap fills; pending() gives each sender’s run in nonce order', () => {
    const { pool } = ethPool();
    const a2 = pool.add(raw({ nonce: 2 }));
    const b0 = pool.add(raw({ nonce: 0 }, bob));
    const a1 = pool.add(raw({ nonce: 1 }));
    expect(pool.pending(10)).toEqual([b0]);
    expect(pool.pendingEthNonce(fromHex(alice.address))).toBe(0);
    const a0 = pool.add(raw({ nonce: 0 }));
    expect(pool.pending(10)).toEqual([a0, a1, a2, b0]);
    expect(pool.pending(2)).toEqual([a0, a1]);
    expect(pool.pendingEthNonce(fromHex(alice.address))).toBe(3);
    expect(pool.pendingEthNonce(fromHex(bob.address))).toBe(1);
  });

  it('on commit, transactions whose nonce the chain has passed leave the pool; a committed one replayed is too low', () => {
    const { pool, state } = ethPool();
    const a0 = pool.add(raw({ nonce: 0 }));
    pool.add(raw({ nonce: 1 }));
    const a2 = pool.add(raw({ nonce: 2 }));
    state.set(key(alice), 2); // a block took nonces 0 and 1 (maybe another node's nonce-1 tx)
    expect(pool.onBlockCommitted([a0.hashHex], 1).removed).toBe(2);
    expect(pool.pending(10)).toEqual([a2]);
    rejects(() => pool.add(raw({ nonce: 0 })), TxRejectCode.NonceTooLow, 'nonce too low: next nonce 2, tx nonce 0');
  });

  it('pending() always equals the model: from the state nonce, the contiguous run of held nonces', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), who: fc.boolean(), nonce: fc.nat(8) }),
      fc.record({ kind: fc.constant('commit' as const), who: fc.boolean(), upTo: fc.nat(8) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const { pool, state } = ethPool({ maxEthNonceGap: 4 });
        const model = new Map<string, Set<number>>([
          [key(alice), new Set()],
          [key(bob), new Set()],
        ]);
        for (const o of ops) {
          const w = o.who ? alice : bob;
          const held = model.get(key(w))!;
          const next = state.get(key(w)) ?? 0;
          if (o.kind === 'add') {
            let pendingNext = next;
            while (held.has(pendingNext)) pendingNext++;
            const ok = o.nonce >= next && !held.has(o.nonce) && o.nonce <= pendingNext + 4;
            try {
              pool.add(raw({ nonce: o.nonce }, w));
              expect(ok).toBe(true);
              held.add(o.nonce);
            } catch (e) {
              expect(e).toBeInstanceOf(TxRejectedError);
              expect(ok).toBe(false);
            }
          } else if (o.upTo > next) {
            state.set(key(w), o.upTo);
            for (const n of [...held]) if (n < o.upTo) held.delete(n);
            pool.onBlockCommitted([], 1);
          }
        }
        for (const w of [alice, bob]) {
          const held = model.get(key(w))!;
          const run: number[] = [];
          for (let n = state.get(key(w)) ?? 0; held.has(n); n++) run.push(n);
          const got = pool
            .pending(100)
            .filter((e) => e.senderHex === key(w))
            .map((e) => (e.tx.type === TxType.Ethereum ? e.tx.nonce : -1));
          expect(got).toEqual(run);
          expect(pool.pendingEthNonce(fromHex(w.address))).toBe((state.get(key(w)) ?? 0) + run.length);
        }
        expect(pool.size).toBe([...model.values()].reduce((s, h) => s + h.size, 0));
      }),
      { numRuns: 40 },
    );
  });
});
