import type { Prng } from './prng.js';
import type { Scheduler } from './scheduler.js';

/** Link behaviour; the harness swaps it between the chaos and the healed phase. */
export interface LinkConfig {
  /** Probability a message is lost. */
  readonly drop: number;
  /** Probability a message is delivered twice. */
  readonly duplicate: number;
  /** Normal one-way delay range (ms). */
  readonly minDelay: number;
  readonly maxDelay: number;
  /** Probability of an extra delay up to `longDelay` ms (reorders messages). */
  readonly slow: number;
  readonly longDelay: number;
}

export interface NetStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  partitioned: number;
}

/**
 * Point-to-point links between n nodes over the virtual clock. A partition assigns each
 * node a group; a message crossing groups at send time or at delivery time is lost
 * (a link that goes down loses what is in flight).
 */
export class Network<M> {
  link: LinkConfig;
  private groups: number[];
  readonly stats: NetStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, partitioned: 0 };

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: Prng,
    readonly size: number,
    link: LinkConfig,
    private readonly deliver: (from: number, to: number, msg: M) => void,
    /** Extra loss for particular messages (e.g. only commits), on top of `link.drop`. */
    private readonly extraDrop: (msg: M) => number = () => 0,
  ) {
    this.link = link;
    this.groups = new Array(size).fill(0);
  }

  partition(groups: readonly number[]): void {
    this.groups = groups.slice();
  }

  heal(): void {
    this.groups = new Array(this.size).fill(0);
  }

  connected(a: number, b: number): boolean {
    return this.groups[a] === this.groups[b];
  }

  send(from: number, to: number, msg: M): void {
    if (from === to) return;
    this.stats.sent++;
    if (!this.connected(from, to)) {
      this.stats.partitioned++;
      return;
    }
    if (this.rng.chance(this.link.drop) || this.rng.chance(this.extraDrop(msg))) {
      this.stats.dropped++;
      return;
    }
    const copies = this.rng.chance(this.link.duplicate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let k = 0; k < copies; k++) {
      let delay = this.rng.range(this.link.minDelay, this.link.maxDelay);
      if (this.rng.chance(this.link.slow)) delay += this.rng.int(this.link.longDelay + 1);
      this.sched.after(delay, () => {
        if (!this.connected(from, to)) {
          this.stats.partitioned++;
          return;
        }
        this.stats.delivered++;
        this.deliver(from, to, msg);
      });
    }
  }

  broadcast(from: number, msg: M): void {
    for (let to = 0; to < this.size; to++) if (to !== from) this.send(from, to, msg);
  }
}
