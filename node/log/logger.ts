import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (pino): a short message plus a context object, JSON lines to stdout
 * or to a file. `component` names the module that logged.
 */
export function createLogger(opts: { level?: string; file?: string; name?: string } = {}): Logger {
  const destination = opts.file ? pino.destination({ dest: opts.file, mkdir: true, sync: false }) : pino.destination(1);
  return pino({ level: opts.level ?? 'info', name: opts.name, base: { pid: process.pid } }, destination);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
