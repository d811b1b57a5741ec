import { type CodeOf, LingdingError } from '../errors/index.js';

export const NodeErrorCode = {
  /** A listener (the RPC port, the p2p port) could not be opened; `details.component` says which. */
  StartFailed: 'START_FAILED',
} as const;
export type NodeErrorCodeValue = CodeOf<typeof NodeErrorCode>;

export class NodeStartError extends LingdingError<NodeErrorCodeValue, { component: string }> {
  constructor(
    code: NodeErrorCodeValue,
    message: string,
    details: { component: string },
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
    this.name = 'NodeStartError';
  }
}
