import type { Logger } from 'pino';

/**
 * What a node has opened, in order. Each step that acquires a resource (a LevelDB, worker
 * threads, a listening socket, timers) pushes how to release it; a start that fails
 * part-way and a stop both unwind the list in reverse, so a node that did not start
 * leaves nothing open and one that stopped holds nothing.
 */
export class CloseList {
  private readonly entries: Array<{ name: string; close: () => unknown }> = [];

  push(name: string, close: () => unknown): void {
    this.entries.push({ name, close });
  }

  get names(): readonly string[] {
    return this.entries.map((e) => e.name);
  }

  /**
   * Releases everything, newest first, and empties the list (a second call does nothing).
   * One failing close does not keep the others open: each failure is logged and the
   * first is thrown once all have run.
   */
  async closeAll(logger?: Logger): Promise<void> {
    let failed = false;
    let first: unknown;
    while (this.entries.length > 0) {
      const { name, close } = this.entries.pop()!;
      try {
        await close();
      } catch (e) {
        logger?.error({ err: e, resource: name }, 'closing failed');
        if (!failed) first = e;
        failed = true;
      }
    }
    if (failed) throw first;
  }
}
