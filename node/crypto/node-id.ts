/**
 * Node ids, in one canonical spelling. A node id is the node key's secp256k1 public key,
 * uncompressed, without the 04 prefix: 64 bytes, written as 128 lowercase hex digits
 * without 0x (the FISCO BCOS format). Config files, CLI flags and RPC answers may spell it
 * with 0x or in upper case; everything that compares ids first brings them to this form,
 * here, so an id read from genesis compares equal to one reported by the network.
 *
 * This is the lowest layer that owns node ids (config, p2p and tools all build on it).
 * Whether the id is also a point on the curve is checked where a point is needed (p2p).
 */
import { LingdingError } from '../errors/index.js';

export type NodeId = string;

const NODE_ID_RE = /^(?:0[xX])?([0-9a-fA-F]{128})$/;

export const NodeIdErrorCode = { Invalid: 'INVALID_NODE_ID' } as const;

export class NodeIdError extends LingdingError<typeof NodeIdErrorCode.Invalid> {
  constructor(message: string) {
    super(NodeIdErrorCode.Invalid, message);
    this.name = 'NodeIdError';
  }
}

/** The canonical form of a node id (lowercase, no 0x), or null if it is not 64 bytes of hex. */
export function normalizeNodeId(input: unknown): NodeId | null {
  const m = typeof input === 'string' ? NODE_ID_RE.exec(input) : null;
  return m === null ? null : m[1].toLowerCase();
}

/** The canonical form of a node id; throws NodeIdError naming what was given instead. */
export function parseNodeId(input: unknown): NodeId {
  const id = normalizeNodeId(input);
  if (id === null) {
    throw new NodeIdError(
      `node id must be 64 bytes of hex (uncompressed secp256k1 public key without the 04 prefix), got ${describe(input)}`,
    );
  }
  return id;
}

function describe(input: unknown): string {
  if (typeof input !== 'string') return typeof input;
  return input.length > 20 ? `${input.slice(0, 20)}… (${input.length} chars)` : JSON.stringify(input);
}
