/** Client side: builds and signs a native transaction (CLI, SDK users, tests, benchmarks). Never used in execution. */
import { randomBytes } from 'node:crypto';
import type { Envelope } from './envelope.js';
import { encodeTx, signTx, txHash, type LingdingTx } from './tx.js';
import type { CryptoSuite } from '../crypto/suite.js';

export interface TxRequest {
  readonly chainId: string;
  /** Current chain height; blockLimit is set to height + window (FISCO's default 500). */
  readonly height: number;
  readonly to: Uint8Array | null;
  readonly input: Uint8Array;
  readonly gasLimit?: number;
  readonly blockLimitWindow?: number;
  /** A sealed private record (node/codec/envelope.ts sealRecord): makes the transaction type 3. */
  readonly envelope?: Envelope;
}

/** Builds and signs a native transaction (type 3 with an envelope) with a fresh random nonce. */
export function buildSignedTx(
  suite: CryptoSuite,
  req: TxRequest,
  secretKey: Uint8Array,
): { tx: LingdingTx; raw: Uint8Array; hash: Uint8Array } {
  const tx = signTx(
    suite,
    {
      chainId: req.chainId,
      nonce: new Uint8Array(randomBytes(32)),
      blockLimit: req.height + (req.blockLimitWindow ?? 500),
      to: req.to,
      input: req.input,
      gasLimit: req.gasLimit ?? 3_000_000,
      ...(req.envelope ? { envelope: req.envelope } : {}),
    },
    secretKey,
  );
  const raw = encodeTx(tx);
  return { tx, raw, hash: txHash(suite, tx) };
}
