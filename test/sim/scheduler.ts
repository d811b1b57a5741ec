interface Event {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

/**
 * Virtual clock and event queue. Events run in (time, insertion order), so a run is a
 * pure function of its seed. Time only moves when the next event is taken.
 */
export class Scheduler {
  private heap: Event[] = [];
  private seq = 0;
  private time = 0;
  executed = 0;

  get now(): number {
    return this.time;
  }

  at(time: number, run: () => void): void {
    this.push({ at: Math.max(time, this.time), seq: this.seq++, run });
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.time + delayMs, run);
  }

  /** Runs the next event; false when the queue is empty or the next event is after `until`. */
  step(until: number): boolean {
    const top = this.heap[0];
    if (!top || top.at > until) return false;
    this.pop();
    this.time = top.at;
    this.executed++;
    top.run();
    return true;
  }

  private less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
