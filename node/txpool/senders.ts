import { hexKey } from '../codec/hex.js';
import { txHash, txSignature, type Transaction } from '../codec/tx.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { RecoverJob, SignatureRecoveryPool } from '../crypto/verify-pool.js';
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
  const senders = new Array<Uint8Array | null>(txs.length);
  const jobs: RecoverJob[] = [];
  const jobTx: number[] = [];
  for (let i = 0; i < txs.length; i++) {
    const known = deps.pool.get(hexKey(txHash(suite, txs[i])));
    if (known) {
      senders[i] = known.sender;
      continue;
    }
    try {
      jobs.push(txSignature(suite, txs[i]));
      jobTx.push(i);
    } catch {
      senders[i] = null; // an Ethereum transaction on a suite that cannot recover it
    }
  }
  // One batch for the workers, answered with one promise.
  const pubs = await deps.recovery.recoverAll(jobs);
  for (let j = 0; j < pubs.length; j++) {
    const pub = pubs[j];
    senders[jobTx[j]] = pub ? suite.addressFromPublicKey(pub) : null;
  }
  return senders;
}
