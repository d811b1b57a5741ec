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
} as const;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcErrorCode.InvalidParams, message);
}
