/**
 * Errors raised by the p2p layer. `code` is stable and meant for callers to branch on
 * (e.g. block sync retries another peer on REQUEST_TIMEOUT); the message is for humans.
 */
export type P2PErrorCode =
  | 'INVALID_NODE_ID'
  | 'INVALID_OPTIONS'
  | 'START_FAILED'
  | 'NOT_STARTED'
  | 'NOT_CONNECTED'
  | 'MESSAGE_TOO_LARGE'
  | 'UNSUPPORTED_METHOD'
  | 'REQUEST_TIMEOUT'
  | 'RESPONSE_TOO_LARGE'
  | 'REMOTE_ERROR'
  | 'STREAM_ERROR';

export class P2PError extends Error {
  constructor(
    readonly code: P2PErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'P2PError';
  }
}
