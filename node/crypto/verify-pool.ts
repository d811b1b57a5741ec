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

/** The caller of one `recoverAll`: its answers so far, and how many are still out. */
interface BatchWaiter {
  readonly keys: Array<Uint8Array | null>;
  left: number;
  readonly resolve: (keys: Array<Uint8Array | null>) => void;
  readonly reject: (e: Error) => void;
}

interface Queued {
  readonly job: RecoverJob;
  readonly waiter: BatchWaiter;
  /** Where the answer goes in `waiter.keys`. */
  readonly index: number;
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
  private queue: Queued[] = [];
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
  async recover(digest: Uint8Array, signature: Uint8Array): Promise<Uint8Array | null> {
    return (await this.recoverAll([{ digest, signature }]))[0];
  }

  /**
   * Each job's signer (as `recover`), answered together once all are recovered: one
   * promise for the batch, so a caller can handle the answers in one go.
   */
  recoverAll(jobs: readonly RecoverJob[]): Promise<Array<Uint8Array | null>> {
    if (this.workers.length === 0 || this.closed)
      return Promise.resolve(jobs.map((j) => this.suite.recoverSigner(j.digest, j.signature)));
    return new Promise((resolve, reject) => {
      const waiter: BatchWaiter = { keys: new Array(jobs.length), left: jobs.length, resolve, reject };
      if (jobs.length === 0) return resolve(waiter.keys);
      for (let i = 0; i < jobs.length; i++) this.queue.push({ job: jobs[i], waiter, index: i });
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
    for (let i = 0; i < count; i++) {
      sigOffsets[i] = total;
      total += batch[i].job.signature.length;
    }
    sigOffsets[count] = total;
    const sigs = new Uint8Array(total);
    for (let i = 0; i < count; i++) {
      const { job } = batch[i];
      if (job.digest.length === 32) digests.set(job.digest, i * 32);
      sigs.set(job.signature, sigOffsets[i]);
    }
    const id = this.nextId++;
    this.waiting.set(id, (r) => {
      if (r instanceof Error) {
        for (const b of batch) b.waiter.reject(r);
        return;
      }
      for (let i = 0; i < count; i++) {
        const { job, waiter, index } = batch[i];
        // A view of the worker's answer (one buffer per batch): callers derive an address
        // from the key and drop it, so a copy of its own per key would only be garbage.
        waiter.keys[index] = job.digest.length === 32 && r.ok[i] ? r.keys.subarray(i * 64, i * 64 + 64) : null;
        if (--waiter.left === 0) waiter.resolve(waiter.keys);
      }
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
