import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('SerialQueue', () => {
  it('runs tasks one at a time in submission order, even when later ones would finish first', async () => {
    const q = new SerialQueue();
    const gates = [deferred(), deferred(), deferred()];
    const log: string[] = [];
    let running = 0;
    const results = gates.map((g, i) =>
      q.run(async () => {
        running++;
        expect(running).toBe(1);
        log.push(`start ${i}`);
        await g.promise;
        log.push(`end ${i}`);
        running--;
        return i * 10;
      }),
    );
    expect(q.size).toBe(3);
    // Open the gates in reverse: order must still be 0, 1, 2.
    gates[2].resolve();
    gates[1].resolve();
    await Promise.resolve();
    expect(log).toEqual(['start 0']);
    gates[0].resolve();
    expect(await Promise.all(results)).toEqual([0, 10, 20]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    await q.drain();
    expect(q.size).toBe(0);
  });

  it('a failing task rejects its own promise only; the queue keeps going', async () => {
    const q = new SerialQueue();
    const ran: number[] = [];
    const a = q.run(() => {
      ran.push(1);
      return 'a';
    });
    const b = q.run(async () => {
      ran.push(2);
      throw new Error('task 2 failed');
    });
    const c = q.run(() => {
      ran.push(3);
      throw new Error('task 3 threw synchronously');
    });
    const d = q.run(async () => {
      ran.push(4);
      return 'd';
    });
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('task 2 failed');
    await expect(c).rejects.toThrow('task 3 threw synchronously');
    await expect(d).resolves.toBe('d');
    expect(ran).toEqual([1, 2, 3, 4]);
    await expect(q.drain()).resolves.toBeUndefined();
    expect(q.size).toBe(0);
  });

  it('drain waits for everything queued so far', async () => {
    const q = new SerialQueue();
    const g = deferred();
    let done = false;
    void q.run(async () => {
      await g.promise;
      done = true;
    });
    const drained = q.drain().then(() => done);
    g.resolve();
    expect(await drained).toBe(true);
  });

  it('a task queued from inside a task runs after it', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    let inner: Promise<void> | undefined;
    await q.run(() => {
      inner = q.run(() => {
        log.push('inner');
      });
      log.push('outer');
    });
    await inner;
    expect(log).toEqual(['outer', 'inner']);
  });
});
