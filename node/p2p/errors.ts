import { type CodeOf, LingdingError } from '../errors/index.js';

/**
 * Errors raised by the p2p layer. `code` is stable and meant for callers to branch on
 * (e.g. block sync retries another peer on REQUEST_TIMEOUT); the message is for humans.
 */
export const P2PErrorCode = {
  InvalidNodeId: 'INVALID_NODE_ID',
  InvalidOptions: 'INVALID_OPTIONS',
  StartFailed: 'START_FAILED',
  NotStarted: 'NOT_STARTED',
  NotConnected: 'NOT_CONNECTED',
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  UnsupportedMethod: 'UNSUPPORTED_METHOD',
  RequestTimeout: 'REQUEST_TIMEOUT',
  ResponseTooLarge: 'RESPONSE_TOO_LARGE',
  RemoteError: 'REMOTE_ERROR',
  StreamError: 'STREAM_ERROR',
} as const;
export type P2PErrorCode = CodeOf<typeof P2PErrorCode>;

export class P2PError extends LingdingError<P2PErrorCode> {
  constructor(code: P2PErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
    this.name = 'P2PError';
  }
}
