import { describe, expect, it } from 'vitest';
import { decodeTx, encodeTx, signTx, type NativeTx } from '../codec/tx.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { standalonePool } from '../../test/helpers/pools.js';
import { TxRejectedError } from './errors.js';

const suite = createEcdsaSuite();
const alice = suite.generateKeyPair();
const mallory = suite.generateKeyPair();

/** A fresh transaction of `signer` that carries `nonce`. */
function withNonce(signer: typeof alice, nonce: Uint8Array, input = 1): Uint8Array {
  const { raw } = buildSignedTx(
    suite,
    { chainId: 'c', height: 0, to: null, input: Uint8Array.of(input), blockLimitWindow: 50, gasLimit: 100_000 },
    signer.secretKey,
  );
  return encodeTx(signTx(suite, { ...(decodeTx(raw) as NativeTx), nonce }, signer.secretKey));
}

describe('tx pool: replay protection keys on sender + nonce', () => {
  it('refuses a sender reusing its own nonce, and lets nobody else take it (no censoring by front-running)', async () => {
    const pool = standalonePool(suite);
    const { raw: victim } = buildSignedTx(
      suite,
      { chainId: 'c', height: 0, to: null, input: new Uint8Array(1), blockLimitWindow: 50, gasLimit: 100_000 },
      alice.secretKey,
    );
    const nonce = (decodeTx(victim) as NativeTx).nonce;
    // Mallory saw the pending transaction and sends one of hers with its nonce first.
    await pool.submit(withNonce(mallory, nonce));
    await pool.submit(victim); // alice's transaction is still admitted
    expect(pool.size).toBe(2);
    const again = pool.submit(withNonce(alice, nonce, 2));
    await expect(again).rejects.toBeInstanceOf(TxRejectedError);
    await expect(pool.submit(withNonce(alice, nonce, 3))).rejects.toThrow(/already used by sender/);
    expect(pool.size).toBe(2);
  });
});
