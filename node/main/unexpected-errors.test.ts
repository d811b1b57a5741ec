import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { CloseList } from './close-list.js';
import {
  installUnexpectedErrorPolicy,
  UNEXPECTED_ERROR_EXIT_CODE,
  unexpectedErrorHandler,
} from './unexpected-errors.js';

/** A logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

/** A node whose stop() unwinds a close list of fake resources, recording the order. */
function fakeNode(closes: Array<() => unknown> = []) {
  const closed: string[] = [];
  const closers = new CloseList();
  for (const name of ['ledger', 'rpc', 'engine']) closers.push(name, () => closed.push(name));
  for (const [i, c] of closes.entries()) closers.push(`extra${i}`, c);
  const stop = vi.fn(() => closers.closeAll());
  return { node: { stop }, closed };
}

describe('the policy for unexpected errors', () => {
  it('logs the error, stops the node through its close list, then exits with 70', async () => {
    const { logger, lines } = capturingLogger();
    const { node, closed } = fakeNode();
    const exit = vi.fn((_code: number) => {
      expect(closed).toEqual(['engine', 'rpc', 'ledger']); // the node was stopped first
    });
    unexpectedErrorHandler({ node, logger, exit })(new TypeError('boom'), 'uncaughtException');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledOnce());
    expect(exit).toHaveBeenCalledWith(UNEXPECTED_ERROR_EXIT_CODE);
    expect(UNEXPECTED_ERROR_EXIT_CODE).toBe(70);
    const fatal = lines.find((l) => l.level === 60)!;
    expect(fatal).toMatchObject({
      msg: 'unexpected error: stopping the node',
      origin: 'uncaughtException',
      exitCode: 70,
      err: { type: 'TypeError', message: 'boom' },
    });
  });

  it('stops once: a second error while stopping is logged and changes nothing', async () => {
    const { logger, lines } = capturingLogger();
    let release!: () => void;
    const { node } = fakeNode([() => new Promise<void>((r) => (release = r))]);
    const exit = vi.fn();
    const handle = unexpectedErrorHandler({ node, logger, exit });
    handle(new Error('first'), 'uncaughtException');
    handle(new Error('second'), 'unhandledRejection');
    release();
    await vi.waitFor(() => expect(exit).toHaveBeenCalledOnce());
    expect(node.stop).toHaveBeenCalledOnce();
    expect(lines.find((l) => l.msg === 'unexpected error while stopping')).toMatchObject({
      origin: 'unhandledRejection',
      err: { message: 'second' },
    });
  });

  it('exits with 70 even when a close fails or the stop never ends', async () => {
    const failing = capturingLogger();
    const broken = fakeNode([
      () => {
        throw new Error('close failed');
      },
    ]);
    const exitA = vi.fn();
    unexpectedErrorHandler({ node: broken.node, logger: failing.logger, exit: exitA })(
      new Error('x'),
      'uncaughtException',
    );
    await vi.waitFor(() => expect(exitA).toHaveBeenCalledWith(70));
    expect(broken.closed).toEqual(['engine', 'rpc', 'ledger']); // the other resources were still closed
    expect(failing.lines.some((l) => l.msg === 'stopping after an unexpected error failed')).toBe(true);

    const stuck = capturingLogger();
    const exitB = vi.fn();
    const node = { stop: () => new Promise<void>(() => {}) };
    unexpectedErrorHandler({ node, logger: stuck.logger, exit: exitB, stopTimeoutMs: 10 })(new Error('y'), 'x');
    await vi.waitFor(() => expect(exitB).toHaveBeenCalledWith(70));
    expect(stuck.lines.some((l) => l.msg === 'node did not stop in time; exiting')).toBe(true);
  });

  it('is installed on the process for uncaught exceptions and unhandled rejections, and removed', () => {
    const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const remove = installUnexpectedErrorPolicy({ stop: async () => {} }, capturingLogger().logger);
    expect(process.listenerCount('uncaughtException')).toBe(before[0] + 1);
    expect(process.listenerCount('unhandledRejection')).toBe(before[1] + 1);
    remove();
    expect([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')]).toEqual(before);
  });
});
