/**
 * The timed phase every throughput bench shares: pre-signed transactions sent in batches,
 * each answered once committed (or refused), while the node processes' CPU and memory are
 * read from /proc. What is sent and how is the caller's (`send`); how much, how fast and
 * what it cost is measured here, the same way for Lingding and for the Hardhat baseline.
 */
import { hasArg, numberArg } from './args.js';
import { measureProcesses } from './proc.js';
import { percentile } from './table.js';

/** How one transaction ended: committed (with its status) or refused before it was. */
export type TxOutcome =
  | {
      readonly committed: true;
      readonly succeeded: boolean /** Why it failed, when it did. */;
      readonly reason?: string;
    }
  | { readonly error: string };

/** Sends `raws` (the transactions first..first+raws.length-1) and resolves with each one's outcome, in order. */
export type SendBatch = (raws: readonly string[], first: number) => Promise<TxOutcome[]>;

export interface LoadFlags {
  /** Pre-signed transactions: the most a run sends. */
  readonly txs: number;
  /** Transactions per request. */
  readonly batch: number;
  /** Requests in flight at most. */
  readonly concurrency: number;
  /** Stop starting requests after this many seconds (0: send every transaction). */
  readonly durationSec: number;
  /** Open loop: start requests at this many tx/s (0: closed loop, a request as soon as one returns). */
  readonly rate: number;
}

/** The load flags, as every throughput bench documents them; `defaults` are the bench's own. */
export function loadFlags(defaults: LoadFlags): LoadFlags {
  const durationSec = numberArg('duration', defaults.durationSec);
  const rate = numberArg('rate', defaults.rate);
  // With a rate and a duration but no --txs, sign exactly what the run will send.
  const txs = hasArg('txs') || !(rate > 0 && durationSec > 0) ? numberArg('txs', defaults.txs) : rate * durationSec;
  return {
    txs: Math.ceil(txs),
    batch: numberArg('batch', defaults.batch),
    concurrency: numberArg('concurrency', defaults.concurrency),
    durationSec,
    rate,
  };
}

/** A sentence saying how the load was sent, for table titles. */
export function describeLoad(f: LoadFlags, what: string): string {
  const pace =
    f.rate > 0
      ? `open loop at ${f.rate} tx/s, at most ${f.concurrency} requests in flight`
      : `${f.concurrency} in flight`;
  const span = f.durationSec > 0 ? `for up to ${f.durationSec} s from ${f.txs} pre-signed` : `${f.txs}`;
  return `${span} ${what}, batches of ${f.batch}, ${pace}`;
}

export interface LoadFigures {
  readonly sent: number;
  /** Committed with a success status: the only ones counted as throughput. */
  readonly succeeded: number;
  /** Committed but reverted, or refused by the node. */
  readonly failed: number;
  /** The first few distinct failure messages, to say what went wrong. */
  readonly failures: readonly string[];
  readonly elapsedSec: number;
  readonly txPerSec: number;
  /** Send → commit of every committed transaction (its request's round trip). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** With --duration: every pre-signed transaction was sent before the duration was up (sign more with --txs). */
  readonly ranOut: boolean;
  /** Open loop: how far behind its schedule the latest request started (the rate was more than the node took). */
  readonly maxLagMs: number;
  /** CPU µs of all measured processes per succeeded transaction, divided by the number of processes. */
  readonly cpuUsPerTxPerNode: number;
  /** Each process's CPU seconds over the timed phase. */
  readonly cpuSec: Readonly<Record<string, number>>;
  readonly peakRssMb: Readonly<Record<string, number>>;
}

/**
 * Sends `raws` with `send` as the flags say and measures the processes in `pids` meanwhile
 * (CPU at start and end, RSS every 200 ms).
 */
export async function timedLoad(
  raws: readonly string[],
  send: SendBatch,
  flags: LoadFlags,
  pids: Readonly<Record<string, number>>,
): Promise<LoadFigures> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let sent = 0;
  let succeeded = 0;
  let failed = 0;
  let maxLagMs = 0;
  let next = 0;
  let lastTakenAt = 0;
  const usage = measureProcesses(pids);
  const t0 = performance.now();
  const deadline = flags.durationSec > 0 ? t0 + flags.durationSec * 1000 : Number.POSITIVE_INFINITY;
  const more = () => next < raws.length && performance.now() < deadline;
  const fail = (message: string) => {
    failed++;
    if (failures.length < 5 && !failures.includes(message)) failures.push(message);
  };

  const request = async () => {
    const first = next;
    const slice = raws.slice(first, first + flags.batch);
    next += slice.length;
    sent += slice.length;
    const start = performance.now();
    lastTakenAt = start;
    let outcomes: TxOutcome[];
    try {
      outcomes = await send(slice, first);
    } catch (e) {
      for (const _ of slice) fail((e as Error).message);
      return;
    }
    const latency = performance.now() - start;
    for (const o of outcomes) {
      if ('error' in o) fail(o.error);
      else {
        latencies.push(latency);
        if (o.succeeded) succeeded++;
        else fail(`committed but failed: ${o.reason ?? 'reverted'}`);
      }
    }
  };

  if (flags.rate > 0) {
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; more(); k++) {
      const due = t0 + (k * flags.batch * 1000) / flags.rate;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      while (inFlight.size >= flags.concurrency) await Promise.race(inFlight);
      if (!more()) break;
      maxLagMs = Math.max(maxLagMs, performance.now() - due);
      const p: Promise<void> = request().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  } else {
    const worker = async () => {
      while (more()) await request();
    };
    await Promise.all(Array.from({ length: flags.concurrency }, worker));
  }
  const ranOut = flags.durationSec > 0 && lastTakenAt < deadline && next >= raws.length;
  const elapsedSec = (performance.now() - t0) / 1000;
  const used = usage.stop();
  const names = Object.keys(pids);
  const cpuTotal = names.reduce((s, n) => s + used[n].cpuSec, 0);
  return {
    sent,
    succeeded,
    failed,
    failures,
    elapsedSec,
    txPerSec: succeeded / elapsedSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ranOut,
    maxLagMs,
    cpuUsPerTxPerNode: (cpuTotal * 1e6) / Math.max(1, succeeded) / names.length,
    cpuSec: Object.fromEntries(names.map((n) => [n, used[n].cpuSec])),
    peakRssMb: Object.fromEntries(names.map((n) => [n, used[n].peakRssMb])),
  };
}
