import { HexError } from '../codec/hex.js';
import { type CodeOf, LingdingError } from '../errors/index.js';
import { TxRejectedError } from '../txpool/errors.js';

/** JSON-RPC 2.0 error codes; -32000..-32099 are Lingding's own. */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** The transaction pool refused the transaction; `data.reason` holds the TxRejectCode. */
  TxRejected: -32010,
  /** The request is valid but refers to something this node does not have. */
  NotFound: -32011,
  /** A waited-for transaction was not committed in time. */
  Timeout: -32012,
  RequestTooLarge: -32013,
  /** The answer would pass rpc.maxResponseBytes. */
  ResponseTooLarge: -32014,
  /** The client already has rpc.maxConcurrentPerClient requests in flight (HTTP 429). */
  TooManyRequests: -32015,
  /**
   * eth_* only: what geth answers -32000 for (a refused raw transaction, an unknown
   * filter, a log query past its limits, …); the message is geth's text.
   */
  EthServerError: -32000,
  /** eth_call / eth_estimateGas: the call reverted; `data` is the revert data, as geth answers. */
  ExecutionReverted: 3,
  /** The WebSocket connection already holds rpc.wsMaxSubscriptionsPerConnection subscriptions. */
  TooManySubscriptions: -32016,
} as const;
export type RpcErrorCodeValue = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** The stable string code (LingdingError.code) of each JSON-RPC code. */
const RPC_CODE_NAMES = {
  [RpcErrorCode.ParseError]: 'PARSE_ERROR',
  [RpcErrorCode.InvalidRequest]: 'INVALID_REQUEST',
  [RpcErrorCode.MethodNotFound]: 'METHOD_NOT_FOUND',
  [RpcErrorCode.InvalidParams]: 'INVALID_PARAMS',
  [RpcErrorCode.Internal]: 'INTERNAL',
  [RpcErrorCode.TxRejected]: 'TX_REJECTED',
  [RpcErrorCode.NotFound]: 'NOT_FOUND',
  [RpcErrorCode.Timeout]: 'TIMEOUT',
  [RpcErrorCode.RequestTooLarge]: 'REQUEST_TOO_LARGE',
  [RpcErrorCode.ResponseTooLarge]: 'RESPONSE_TOO_LARGE',
  [RpcErrorCode.TooManyRequests]: 'TOO_MANY_REQUESTS',
  [RpcErrorCode.EthServerError]: 'ETH_SERVER_ERROR',
  [RpcErrorCode.ExecutionReverted]: 'EXECUTION_REVERTED',
  [RpcErrorCode.TooManySubscriptions]: 'TOO_MANY_SUBSCRIPTIONS',
} as const satisfies Record<RpcErrorCodeValue, string>;
export type RpcErrorName = CodeOf<typeof RPC_CODE_NAMES>;

/**
 * An error as the RPC answers it: `rpcCode` is the JSON-RPC code on the wire, `data` the
 * error's `data` member, `code` the stable name of `rpcCode`.
 */
export class RpcError extends LingdingError<RpcErrorName> {
  constructor(
    readonly rpcCode: RpcErrorCodeValue,
    message: string,
    readonly data?: unknown,
  ) {
    super(RPC_CODE_NAMES[rpcCode], message);
    this.name = 'RpcError';
  }
}

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcErrorCode.InvalidParams, message);
}

/**
 * The one place where errors of the node's modules become JSON-RPC errors. Anything not
 * listed returns null: the server answers it as an internal error and logs it.
 */
export function toRpcError(e: unknown): RpcError | null {
  if (e instanceof RpcError) return e;
  // The pool's refusal codes are API: clients branch on `data.reason`.
  if (e instanceof TxRejectedError) return new RpcError(RpcErrorCode.TxRejected, e.message, { reason: e.code });
  // Hex only reaches the node as request parameters.
  if (e instanceof HexError) return invalidParams(e.message);
  return null;
}
