/**
 * Where a node's CPU time goes, by what the work was for: the breakdown behind the
 * `lingding_cpu_seconds_total{phase}` metric, which an operator (or bench/) divides by
 * committed transactions to see what one transaction costs and where.
 *
 * The main thread's time is read from the thread's own CPU clock
 * (`process.threadCpuUsage`, a getrusage(RUSAGE_THREAD) call) at the boundaries of the
 * synchronous sections that `run` wraps: RPC handling, transaction admission, gossip,
 * consensus steps, block execution, the ledger commit. Sections nest (admission inside
 * an RPC call, execution inside a consensus step) and each microsecond counts once, for
 * the innermost phase. What no section covers (the p2p transport, timers, GC pauses, the
 * continuations of async work) is the main thread's `other`. Signature recovery runs on
 * worker threads that report their own CPU time (`addSignatureMicros`); everything else
 * the process spends (LevelDB's threads, V8's helper threads) is `background`.
 *
 * One clock per node; `background` assumes the node has its process to itself, as a
 * deployed node does (several in-process test nodes share one).
 */
export const CPU_PHASES = ['rpc', 'admission', 'gossip', 'consensus', 'execution', 'storage', 'sync'] as const;
export type CpuPhase = (typeof CPU_PHASES)[number];

/** Every label value of the metric: the wrapped phases plus what is derived. */
export type CpuBreakdownPhase = CpuPhase | 'main_other' | 'signature' | 'background';

/** What the node's modules are given: the clock's `run`, or `untimed` where no node counts. */
export interface PhaseTimer {
  run<T>(phase: CpuPhase, fn: () => T): T;
}

export const untimed: PhaseTimer = { run: (_phase, fn) => fn() };

const threadMicros = (): number => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};

export class CpuClock implements PhaseTimer {
  private readonly micros = new Map<CpuPhase, number>(CPU_PHASES.map((p) => [p, 0]));
  private signatureMicros = 0;
  private current: CpuPhase | null = null;
  /** Thread CPU time when `current` last started being counted. */
  private since = 0;

  /** @param now The main thread's CPU time in µs (tests give a fake one). */
  constructor(private readonly now: () => number = threadMicros) {}

  /** Runs `fn`, counting the main thread's CPU time it takes (less nested phases) toward `phase`. */
  run<T>(phase: CpuPhase, fn: () => T): T {
    // Already counting toward this phase: reading the clock (a syscall) would change nothing.
    if (phase === this.current) return fn();
    const outer = this.current;
    const start = this.now();
    if (outer) this.add(outer, start - this.since);
    this.current = phase;
    this.since = start;
    try {
      return fn();
    } finally {
      const end = this.now();
      this.add(phase, end - this.since);
      this.current = outer;
      this.since = end;
    }
  }

  /** CPU time a signature-recovery worker thread reported for a batch. */
  addSignatureMicros(us: number): void {
    this.signatureMicros += us;
  }

  /** Seconds per phase since the node started, the derived ones included. */
  snapshot(): Record<CpuBreakdownPhase, number> {
    const process_ = process.cpuUsage();
    const processMicros = process_.user + process_.system;
    const mainMicros = this.now();
    let phased = 0;
    const out = {} as Record<CpuBreakdownPhase, number>;
    for (const [p, us] of this.micros) {
      out[p] = us / 1e6;
      phased += us;
    }
    out.main_other = Math.max(0, mainMicros - phased) / 1e6;
    out.signature = this.signatureMicros / 1e6;
    out.background = Math.max(0, processMicros - mainMicros - this.signatureMicros) / 1e6;
    return out;
  }

  private add(phase: CpuPhase, us: number): void {
    this.micros.set(phase, (this.micros.get(phase) ?? 0) + us);
  }
}
