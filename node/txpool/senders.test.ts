import { describe, expect, it } from 'vitest';
import { standalonePool } from '../../test/helpers/pools.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { toHex } from '../codec/hex.js';
import type { Transaction } from '../codec/tx.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { type RecoverJob, SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { resolveSenders } from './senders.js';

const suite = createEcdsaSuite();
const alice = suite.generateKeyPair();
const bob = suite.generateKeyPair();

const signed = (who = alice) =>
  buildSignedTx(
    suite,
    {
      chainId: 'c',
      height: 0,
      to: new Uint8Array(20),
      input: new Uint8Array(4),
      blockLimitWindow: 50,
      gasLimit: 100_000,
    },
    who.secretKey,
  );

/** Recovery on this thread (workers: 0), counting the signatures it is asked to recover. */
function countingRecovery() {
  const real = new SignatureRecoveryPool(suite, { workers: 0 });
  const r = {
    calls: 0,
    recoverAll(jobs: readonly RecoverJob[]) {
      r.calls += jobs.length;
      return real.recoverAll(jobs);
    },
  };
  return r;
}

describe('resolveSenders', () => {
  it('takes senders of pooled transactions from the pool and recovers the others, in block order', async () => {
    const pool = standalonePool(suite);
    const a = signed(alice);
    const b = signed(bob);
    const c = signed(alice);
    pool.add(a.raw);
    pool.add(c.raw);
    const recovery = countingRecovery();
    const senders = await resolveSenders(suite, [a.tx, b.tx, c.tx], { pool, recovery: recovery as never });
    expect(senders.map((s) => (s ? toHex(s) : null))).toEqual([alice, bob, alice].map((k) => toHex(k.address)));
    expect(recovery.calls).toBe(1); // only bob's, which the pool did not have
  });

  it('gives null for a transaction whose signature does not recover, without failing the others', async () => {
    const pool = standalonePool(suite);
    const good = signed(bob);
    const bad: Transaction = { ...signed(alice).tx, signature: new Uint8Array(65) };
    const senders = await resolveSenders(suite, [bad, good.tx], {
      pool,
      recovery: new SignatureRecoveryPool(suite, { workers: 0 }),
    });
    expect(senders[0]).toBeNull();
    expect(toHex(senders[1]!)).toBe(toHex(bob.address));
  });

  it('a tampered transaction is not matched to the pooled original', async () => {
    const pool = standalonePool(suite);
    const a = signed(alice);
    pool.add(a.raw);
    // Same signature, different body: a different hash, so the pool's sender is not used;
    // recovery yields some other key (or none), never alice.
    const tampered: Transaction = { ...a.tx, gasLimit: a.tx.gasLimit + 1 };
    const [s] = await resolveSenders(suite, [tampered], {
      pool,
      recovery: new SignatureRecoveryPool(suite, { workers: 0 }),
    });
    expect(s === null || toHex(s) !== toHex(alice.address)).toBe(true);
  });

  it('an empty block has no senders', async () => {
    expect(
      await resolveSenders(suite, [], {
        pool: standalonePool(suite),
        recovery: new SignatureRecoveryPool(suite, { workers: 0 }),
      }),
    ).toEqual([]);
  });
});
