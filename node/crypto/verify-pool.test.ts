import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createEcdsaSuite } from './index.js';
import { SignatureRecoveryPool } from './verify-pool.js';

describe('SignatureRecoveryPool', () => {
  it('recovers on worker threads exactly what the suite recovers inline, bad signatures included', async () => {
    const suite = createEcdsaSuite();
    const pool = new SignatureRecoveryPool(suite, { workers: 2 });
    expect(pool.workerCount).toBe(2);
    const keys = Array.from({ length: 3 }, () => suite.generateKeyPair());
    const jobs = Array.from({ length: 300 }, (_, i) => {
      const digest = suite.hash(Uint8Array.of(i & 0xff, i >> 8));
      let signature = suite.sign(digest, keys[i % 3].secretKey);
      if (i % 7 === 0) signature = Uint8Array.from(signature, (b, j) => (j === 64 ? 9 : b)); // bad v
      if (i % 11 === 0) signature = signature.subarray(0, 60); // wrong length
      return { digest, signature };
    });
    const fromPool = await Promise.all(jobs.map((j) => pool.recover(j.digest, j.signature)));
    jobs.forEach((j, i) => {
      const inline = suite.recoverSigner(j.digest, j.signature);
      expect(fromPool[i] === null ? null : Buffer.from(fromPool[i]!).toString('hex')).toBe(
        inline === null ? null : Buffer.from(inline).toString('hex'),
      );
    });
    expect(fromPool.filter((k) => k === null).length).toBeGreaterThan(40);
    await pool.close();
    // After close, recovery still answers (inline).
    expect(await pool.recover(jobs[1].digest, jobs[1].signature)).not.toBeNull();
  });

  it('keeps a worker to its small heap under the 16 MB semi-spaces a node process runs with', async () => {
    // What NODE_PROCESS_FLAGS does to a node process, for isolates made from here on.
    setFlagsFromString('--min-semi-space-size=16 --max-semi-space-size=16');
    const suite = createEcdsaSuite();
    const pool = new SignatureRecoveryPool(suite, { workers: 1 });
    try {
      const key = suite.generateKeyPair();
      const digest = suite.hash(Uint8Array.of(1));
      const signature = suite.sign(digest, key.secretKey);
      await Promise.all(Array.from({ length: 2_000 }, () => pool.recover(digest, signature)));
      const [heapBytes] = await pool.workerHeapBytes();
      // Two 16 MB semi-spaces alone would be 32 MB (45 MB measured without the fix); with the
      // worker's 4 MB young generation it is its old space (19 MB here, tsx's loader included).
      expect(heapBytes).toBeLessThan(32 * 1024 * 1024);
    } finally {
      setFlagsFromString('--min-semi-space-size=0 --max-semi-space-size=0');
      await pool.close();
    }
  });
});
