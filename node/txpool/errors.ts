import { type CodeOf, LingdingError } from '../errors/index.js';

/** Why the pool refused a transaction. Codes are stable: clients and the RPC use them. */
export const TxRejectCode = {
  Malformed: 'MALFORMED',
  TooLarge: 'TOO_LARGE',
  /** Larger than block_bytes_limit: no block could ever carry it. */
  LargerThanBlock: 'LARGER_THAN_BLOCK',
  WrongChain: 'WRONG_CHAIN_ID',
  BadSignature: 'BAD_SIGNATURE',
  BlockLimitExpired: 'BLOCK_LIMIT_EXPIRED',
  BlockLimitTooFar: 'BLOCK_LIMIT_TOO_FAR',
  NonceReused: 'NONCE_REUSED',
  /** Ethereum type: the nonce is below the sender's next nonce in state (used, or replayed). */
  NonceTooLow: 'NONCE_TOO_LOW',
  /** Ethereum type: the nonce is more than txpool.maxEthNonceGap above the sender's next pending nonce. */
  NonceTooHigh: 'NONCE_TOO_HIGH',
  /** Ethereum type: another transaction of the sender with this nonce is pending (there is no fee to outbid it). */
  ReplacementUnderpriced: 'REPLACEMENT_UNDERPRICED',
  /** Ethereum type: a non-zero value; the chain has no coin. */
  InsufficientFunds: 'INSUFFICIENT_FUNDS',
  AlreadyKnown: 'ALREADY_KNOWN',
  AlreadyOnChain: 'ALREADY_ON_CHAIN',
  GasLimitTooHigh: 'GAS_LIMIT_TOO_HIGH',
  GasLimitTooLow: 'GAS_LIMIT_TOO_LOW',
  PoolFull: 'POOL_FULL',
  SenderQuota: 'SENDER_QUOTA_EXCEEDED',
  /** The sender is frozen or abolished (AccountManager). */
  AccountFrozen: 'ACCOUNT_FROZEN',
  /** A deploy by an account outside the deployer allow-list (ContractAuth). */
  DeployNotAllowed: 'DEPLOY_NOT_ALLOWED',
  /** Addressed to a contract of a pilot that is suspended, exited or outside its period (PilotRegistry). */
  PilotInactive: 'PILOT_INACTIVE',
  /**
   * A private record (type 3) its pilot cannot take now: the pilot is unknown or not active,
   * the sender is not one of its institutions, or a supervising regulator's key has no entry.
   */
  PrivateRecordRefused: 'PRIVATE_RECORD_REFUSED',
} as const;
export type TxRejectCodeValue = CodeOf<typeof TxRejectCode>;

export class TxRejectedError extends LingdingError<TxRejectCodeValue> {
  constructor(code: TxRejectCodeValue, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, message, details);
    this.name = 'TxRejectedError';
  }
}
