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
    // One batch answers the same, in job order, across both workers.
    const hex = (ks: Array<Uint8Array | null>) => ks.map((k) => (k === null ? null : Buffer.from(k).toString('hex')));
    expect(hex(await pool.recoverAll(jobs))).toEqual(hex(fromPool));
    expect(await pool.recoverAll([])).toEqual([]);
    await pool.close();
    // After close, recovery still answers (inline).
    expect(await pool.recover(jobs[1].digest, jobs[1].signature)).not.toBeNull();
  });
});
