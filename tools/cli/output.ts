import { CommanderError } from 'commander';
import { type CodeOf, LingdingError } from '../../node/errors/index.js';

/** Human-readable by default, JSON with --json: every command prints through here. */
export interface OutputOptions {
  json?: boolean;
}

export function print(opts: OutputOptions, value: unknown, human?: () => string): void {
  if (opts.json || !human) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(human() + '\n');
}

/**
 * The glossary's word for what a node is (README): a voting node is a validator. 'sealer'
 * is FISCO's word, kept only where compatibility fixes it (getNodeInfo's role, genesis).
 */
export function roleWord(n: { role: string; regulator?: boolean }): string {
  if (n.regulator) return 'observer (regulator)';
  return n.role === 'sealer' ? 'validator' : n.role;
}

export const CliErrorCode = {
  /** An argument or option the command cannot use; the message says which and why. */
  Usage: 'USAGE',
} as const;
export type CliErrorCodeValue = CodeOf<typeof CliErrorCode>;

export class CliError extends LingdingError<CliErrorCodeValue> {
  constructor(message: string, code: CliErrorCodeValue = CliErrorCode.Usage) {
    super(code, message);
    this.name = 'CliError';
  }
}

/**
 * What `lingding` exits with: 0 ok, 1 a bug (the stack is printed), 2 the input was wrong,
 * 70 a running node (`node start`, `devnet --solo`) was stopped by an unexpected error
 * (node/main/unexpected-errors.ts; the node log has the error).
 */
// NodeCrashed is UNEXPECTED_ERROR_EXIT_CODE of node/main/unexpected-errors.ts (output.test.ts checks it), written
// out here so that every command, `--help` included, need not load the node to print.
export const ExitCode = { Ok: 0, Bug: 1, UserError: 2, NodeCrashed: 70 } as const;

/**
 * The one map from errors to exit codes. Errors caused by what the user gave (arguments,
 * files, passwords, the node's answers) exit 2 with one line; anything else is a bug and
 * exits 1 with its stack. Keyed by `name` (every LingdingError sets it) so this module
 * does not load the modules it classifies. An entry may be a function of the code.
 */
const EXIT_CODE_BY_ERROR: Readonly<Record<string, number | ((code: string) => number)>> = {
  CliError: ExitCode.UserError,
  ConfigError: ExitCode.UserError,
  RpcClientError: ExitCode.UserError,
  KeystoreError: ExitCode.UserError,
  NodeKeyError: ExitCode.UserError,
  NodeIdError: ExitCode.UserError,
  HexError: ExitCode.UserError,
  CodecError: ExitCode.UserError,
  // A record too large for an envelope, or a bad recipient key or supervision key file.
  EnvelopeError: ExitCode.UserError,
  AbiError: ExitCode.UserError,
  UnsupportedRuntimeError: ExitCode.UserError,
  UnsupportedSuiteError: ExitCode.UserError,
  // The machine or the setup, not a bug: a locked or unreadable ledger, an old layout.
  LedgerError: ExitCode.UserError,
  SystemConfigError: ExitCode.UserError,
  NotBuiltError: ExitCode.UserError,
  ReportError: ExitCode.UserError,
};

export function exitCodeOf(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode;
  if (!(e instanceof LingdingError)) return ExitCode.Bug;
  const rule = EXIT_CODE_BY_ERROR[e.name];
  if (rule === undefined) return ExitCode.Bug;
  return typeof rule === 'function' ? rule(e.code) : rule;
}

/** What to print on stderr for an error that ended the command ('' when commander already did). */
export function errorText(e: unknown): string {
  if (e instanceof CommanderError) return '';
  if (exitCodeOf(e) === ExitCode.UserError) return `error: ${(e as Error).message}\n`;
  return `error: ${(e as Error)?.stack ?? String(e)}\n`;
}

export function kv(rows: Array<[string, unknown]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows
    .map(([k, v]) => `${k.padEnd(w)}  ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}
