/**
 * Worker side of the signature-recovery pool: recovers signers for batches of
 * (digest, signature) pairs with the chain's suite. See verify-pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSuite } from './index.js';
import type { SuiteName } from './suite.js';

export interface RecoverRequest {
  readonly id: number;
  readonly count: number;
  /** count × 32 bytes. */
  readonly digests: Uint8Array;
  /** Concatenated signatures; `sigOffsets` has count + 1 entries. */
  readonly sigs: Uint8Array;
  readonly sigOffsets: Uint32Array;
}

export interface RecoverResponse {
  readonly id: number;
  /** count × 64 bytes of public keys; `ok[i]` is 1 where recovery succeeded. */
  readonly keys: Uint8Array;
  readonly ok: Uint8Array;
  /** This worker thread's CPU time for the batch, µs. */
  readonly cpuMicros: number;
}

const suite = createSuite((workerData as { suite: SuiteName }).suite);

const threadMicros = () => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};

parentPort!.on('message', (req: RecoverRequest) => {
  const started = threadMicros();
  const keys = new Uint8Array(req.count * 64);
  const ok = new Uint8Array(req.count);
  for (let i = 0; i < req.count; i++) {
    const pub = suite.recoverSigner(
      req.digests.subarray(i * 32, i * 32 + 32),
      req.sigs.subarray(req.sigOffsets[i], req.sigOffsets[i + 1]),
    );
    if (pub && pub.length === 64) {
      keys.set(pub, i * 64);
      ok[i] = 1;
    }
  }
  const res: RecoverResponse = { id: req.id, keys, ok, cpuMicros: threadMicros() - started };
  parentPort!.postMessage(res, [keys.buffer, ok.buffer]);
});
