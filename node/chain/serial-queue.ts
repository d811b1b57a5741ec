/**
 * Runs async tasks one at a time, in submission order. Consensus inputs, block
 * execution and commits all go through one queue, so the state machine never sees two
 * inputs interleaved and the chain never sees two commits race.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const p = this.tail.then(task);
    this.tail = p.then(
      () => {
        this.pending--;
      },
      () => {
        this.pending--;
      },
    );
    return p;
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves when everything queued so far has run. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
