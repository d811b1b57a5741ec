import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CryptoSuite } from './suite.js';
import type { RecoverRequest, RecoverResponse } from './verify-worker.js';

export interface RecoverJob {
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Recovers transaction signers on worker threads, so signature checking — the node's
 * most expensive per-transaction step — runs on the other cores while the main thread
 * decodes, executes and writes. Jobs submitted in the same event-loop turn travel to a
 * worker as one batch; batches are spread over the workers round-robin.
 *
 * With `workers: 0` (or if a worker cannot start) recovery runs inline with the same
 * suite, giving the same answers.
 */
export class SignatureRecoveryPool {
  /** Worker threads of all pools in this process that have not exited (tests check none leak). */
  static liveWorkers = 0;
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, (r: RecoverResponse | Error) => void>();
  private nextId = 1;
  private nextWorker = 0;
  private queue: Array<{ job: RecoverJob; resolve: (k: Uint8Array | null) => void; reject: (e: Error) => void }> = [];
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly suite: CryptoSuite,
    opts: {
      workers?: number;
      /** Told the CPU time (µs) a worker thread spent on each batch (the node's metrics). */
      onWorkerCpu?: (micros: number) => void;
    } = {},
  ) {
    const n = opts.workers ?? Math.max(1, availableParallelism() - 1);
    for (let i = 0; i < n; i++) {
      const w = spawnWorker(suite.name);
      if (!w) break;
      w.on('message', (r: RecoverResponse) => {
        opts.onWorkerCpu?.(r.cpuMicros);
        this.settle(r.id, r);
      });
      w.on('error', (e) => this.failAll(e));
      w.unref();
      SignatureRecoveryPool.liveWorkers++;
      w.once('exit', () => SignatureRecoveryPool.liveWorkers--);
      this.workers.push(w);
    }
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** The signer's 64-byte public key, or null if the signature does not recover. */
  recover(digest: Uint8Array, signature: Uint8Array): Promise<Uint8Array | null> {
    if (this.workers.length === 0 || this.closed) return Promise.resolve(this.suite.recoverSigner(digest, signature));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { digest, signature }, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    // Split a large batch so every worker gets a share.
    const per = Math.ceil(batch.length / this.workers.length);
    for (let start = 0; start < batch.length; start += per) this.send(batch.slice(start, start + per));
  }

  private send(batch: typeof this.queue): void {
    const count = batch.length;
    const digests = new Uint8Array(count * 32);
    const sigOffsets = new Uint32Array(count + 1);
    let total = 0;
    batch.forEach((b, i) => {
      sigOffsets[i] = total;
      total += b.job.signature.length;
    });
    sigOffsets[count] = total;
    const sigs = new Uint8Array(total);
    batch.forEach((b, i) => {
      if (b.job.digest.length === 32) digests.set(b.job.digest, i * 32);
      sigs.set(b.job.signature, sigOffsets[i]);
    });
    const id = this.nextId++;
    this.waiting.set(id, (r) => {
      if (r instanceof Error) {
        for (const b of batch) b.reject(r);
        return;
      }
      batch.forEach((b, i) => {
        b.resolve(b.job.digest.length === 32 && r.ok[i] ? r.keys.slice(i * 64, i * 64 + 64) : null);
      });
    });
    const w = this.workers[this.nextWorker++ % this.workers.length];
    const req: RecoverRequest = { id, count, digests, sigs, sigOffsets };
    // Idle workers must not keep the process alive, busy ones must.
    if (this.waiting.size === 1) for (const x of this.workers) x.ref();
    w.postMessage(req, [digests.buffer, sigs.buffer, sigOffsets.buffer]);
  }

  private settle(id: number, r: RecoverResponse): void {
    const cb = this.waiting.get(id);
    if (!cb) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) for (const x of this.workers) x.unref();
    cb(r);
  }

  private failAll(e: Error): void {
    for (const cb of this.waiting.values()) cb(e);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll(new Error('signature recovery pool closed'));
  }
}

/**
 * A worker holds a batch of signatures at a time and keeps nothing: a small young
 * generation is plenty, and V8's default (sized for a whole application) would reserve
 * tens of MB in every node process for it.
 */
const WORKER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/**
 * Workers run what the main thread runs: the compiled worker beside the compiled pool, or
 * the TypeScript sources through tsx's loader (tests, `tsx` scripts). A worker that cannot
 * start leaves the pool to recover inline.
 */
function spawnWorker(suite: string): Worker | null {
  try {
    if (import.meta.url.endsWith('.js')) {
      return new Worker(new URL('./verify-worker.js', import.meta.url), {
        workerData: { suite },
        resourceLimits: WORKER_HEAP_LIMITS,
      });
    }
    const require = createRequire(import.meta.url);
    const tsxLoader = pathToFileURL(require.resolve('tsx/esm')).href;
    return new Worker(new URL('./verify-worker.ts', import.meta.url), {
      workerData: { suite },
      execArgv: ['--import', tsxLoader],
    });
  } catch {
    return null;
  }
}
