import { type CodeOf, LingdingError } from '../errors/index.js';

/** Why a node cannot use its ledger database (faults of the machine or the setup, not bugs). */
export const LedgerErrorCode = {
  /** Another process (usually another node on the same data directory) holds the database. */
  Locked: 'LOCKED',
  /** LevelDB refused to open it (permissions, a full disk, damaged files); the message says why. */
  Unopenable: 'UNOPENABLE',
  /** It was written by a version of Lingding with another on-disk layout. */
  WrongLayout: 'WRONG_LAYOUT',
} as const;
export type LedgerErrorCodeValue = CodeOf<typeof LedgerErrorCode>;

export class LedgerError extends LingdingError<LedgerErrorCodeValue, { dir: string }> {
  constructor(message: string, code: LedgerErrorCodeValue, details: { dir: string }) {
    super(code, message, details);
    this.name = 'LedgerError';
  }
}
