import type { Logger } from 'pino';

/**
 * Exit code of a node process stopped by an error nothing handled (an uncaught exception
 * or an unhandled promise rejection): 70, EX_SOFTWARE of sysexits.h ("internal software
 * error"). Distinct from the CLI's 1 (a command failed) and 2 (bad input), so a supervisor
 * (systemd, a devnet, a test) can tell a crash of a running node from a refused start.
 */
export const UNEXPECTED_ERROR_EXIT_CODE = 70;

/** How long the stop may take before the process exits anyway (a stuck close must not keep a broken node up). */
const STOP_TIMEOUT_MS = 30_000;

export interface UnexpectedErrorPolicyDeps {
  /** The node to stop: its stop() unwinds its close list (RPC, p2p, engine, workers, ledger). */
  readonly node: { stop(): Promise<void> };
  readonly logger: Logger;
  readonly exit: (code: number) => void;
  readonly stopTimeoutMs?: number;
}

/**
 * The one policy for errors nothing handled: log it (fatal, with its stack and where it
 * came from), stop the node through its close list, exit with UNEXPECTED_ERROR_EXIT_CODE.
 *
 * Not "log and carry on": after an uncaught error the node's state is unknown (a commit
 * half done, a timer that will never fire again, a queue whose consumer died), and a node
 * that carries on may vote or answer from it. A node that stops cleanly restarts from its
 * ledger and its safety file, which is safe. Errors of a JSON-RPC request never get here:
 * the server answers them (-32603) and logs them.
 *
 * Only the first error stops the node; errors while it stops are logged and change nothing.
 */
export function unexpectedErrorHandler(deps: UnexpectedErrorPolicyDeps): (err: unknown, origin: string) => void {
  const { logger } = deps;
  let stopping = false;
  return (err, origin) => {
    if (stopping) {
      logger.error({ err, origin }, 'unexpected error while stopping');
      return;
    }
    stopping = true;
    logger.fatal({ err, origin, exitCode: UNEXPECTED_ERROR_EXIT_CODE }, 'unexpected error: stopping the node');
    let exited = false;
    const exit = () => {
      if (exited) return;
      exited = true;
      clearTimeout(timer);
      // The log file is written asynchronously: flush it so the fatal line is on disk before exit.
      logger.flush((flushError) => {
        if (flushError) process.stderr.write(`log flush failed: ${flushError.message}\n`);
        deps.exit(UNEXPECTED_ERROR_EXIT_CODE);
      });
    };
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: deps.stopTimeoutMs ?? STOP_TIMEOUT_MS }, 'node did not stop in time; exiting');
      exit();
    }, deps.stopTimeoutMs ?? STOP_TIMEOUT_MS);
    deps.node
      .stop()
      .catch((e: unknown) => logger.error({ err: e }, 'stopping after an unexpected error failed'))
      .finally(exit);
  };
}

/**
 * Installs the policy for this process (`node start`, the solo devnet): one node per
 * process. Returns how to remove it, once the node has stopped normally.
 */
export function installUnexpectedErrorPolicy(node: { stop(): Promise<void> }, logger: Logger): () => void {
  const handle = unexpectedErrorHandler({ node, logger, exit: (code) => process.exit(code) });
  const onException = (err: Error, origin: string) => handle(err, origin);
  const onRejection = (reason: unknown) => handle(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
