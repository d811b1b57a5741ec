/** Client side: builds and signs a native transaction (CLI, SDK users, tests, benchmarks). Never used in execution. */
import { randomBytes } from 'node:crypto';
import { encodeTx, signTx, txHash, type NativeTx } from './tx.js';
import type { CryptoSuite } from '../crypto/suite.js';

export interface TxRequest {
  readonly chainId: string;
  /** Current chain height; blockLimit is set to height + window (FISCO's default 500). */
  readonly height: number;
  readonly to: Uint8Array | null;
  readonly input: Uint8Array;
  readonly gasLimit?: number;
  readonly blockLimitWindow?: number;
}

/** Builds and signs a native transaction with a fresh random nonce. */
export function buildSignedTx(
  suite: CryptoSuite,
  req: TxRequest,
  secretKey: Uint8Array,
): { tx: NativeTx; raw: Uint8Array; hash: Uint8Array } {
  const tx = signTx(
    suite,
    {
      chainId: req.chainId,
      nonce: new Uint8Array(randomBytes(32)),
      blockLimit: req.height + (req.blockLimitWindow ?? 500),
      to: req.to,
      input: req.input,
      gasLimit: req.gasLimit ?? 3_000_000,
    },
    secretKey,
  );
  const raw = encodeTx(tx);
  return { tx, raw, hash: txHash(suite, tx) };
}
