import { hexKey } from '../codec/hex.js';
import { txHash, txSignature, type Transaction } from '../codec/tx.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import type { TxPool } from './pool.js';

/**
 * The senders of a block's transactions: taken from the pool where this node already
 * admitted (and verified) the transaction, recovered on the worker pool otherwise.
 * Returns null for a transaction whose signature does not recover.
 */
export async function resolveSenders(
  suite: CryptoSuite,
  txs: readonly Transaction[],
  deps: { pool: TxPool; recovery: SignatureRecoveryPool },
): Promise<Array<Uint8Array | null>> {
  return Promise.all(
    txs.map(async (tx) => {
      const known = deps.pool.get(hexKey(txHash(suite, tx)));
      if (known) return known.sender;
      let signed: { digest: Uint8Array; signature: Uint8Array };
      try {
        signed = txSignature(suite, tx);
      } catch {
        return null; // an Ethereum transaction on a suite that cannot recover it
      }
      const pub = await deps.recovery.recover(signed.digest, signed.signature);
      return pub ? suite.addressFromPublicKey(pub) : null;
    }),
  );
}
