import type { ConnectionGater, PeerId } from '@libp2p/interface';
import { normalizeNodeId } from '../crypto/node-id.js';
import { nodeIdFromPeerId, parseNodeId, peerIdFromNodeId, type NodeId } from './identity.js';
import type { NodeEntry } from './types.js';

/** The set of node ids admitted to the network, looked up by libp2p PeerId. */
export class AllowList {
  /** PeerId string → node id, so lookups on the hot path cost one map access. */
  private byPeerId = new Map<string, NodeId>();
  /** node id → PeerId, because deriving a PeerId decompresses a curve point. */
  private byNodeId = new Map<NodeId, PeerId>();

  constructor(nodes: readonly NodeEntry[]) {
    this.replace(nodes);
  }

  /** Replaces the set; returns the node ids that were admitted before and are not now. */
  replace(nodes: readonly NodeEntry[]): NodeId[] {
    const byNodeId = new Map<NodeId, PeerId>();
    for (const { nodeId } of nodes) {
      const id = parseNodeId(nodeId);
      byNodeId.set(id, this.byNodeId.get(id) ?? peerIdFromNodeId(id));
    }
    const removed = [...this.byNodeId.keys()].filter((id) => !byNodeId.has(id));
    this.byNodeId = byNodeId;
    this.byPeerId = new Map([...byNodeId].map(([id, peerId]) => [peerId.toString(), id]));
    return removed;
  }

  /** The node id of an admitted peer, or undefined if the peer is not admitted. */
  nodeIdOf(peerId: PeerId): NodeId | undefined {
    return this.byPeerId.get(peerId.toString());
  }

  /** Whether a canonical node id is admitted (one map lookup; used per message). */
  has(nodeId: NodeId): boolean {
    return this.byNodeId.has(nodeId);
  }

  /**
   * The canonical id and PeerId of an admitted node, or undefined if it is not admitted.
   * Accepts ids with a 0x prefix or in upper case, as config files may spell them.
   */
  resolve(nodeId: string): { nodeId: NodeId; peerId: PeerId } | undefined {
    const id = this.byNodeId.has(nodeId) ? nodeId : normalizeNodeId(nodeId);
    const peerId = id === null ? undefined : this.byNodeId.get(id);
    return id === null || peerId === undefined ? undefined : { nodeId: id, peerId };
  }
}

export type Direction = 'inbound' | 'outbound';

/**
 * libp2p connection gater enforcing the allow list. The decisive checks run right after
 * the noise handshake, when the remote has proven it holds the key of its PeerId — both
 * for connections we accept and for those we dial. Dials to peers not on the list are
 * refused before any socket is opened.
 */
export function allowListGater(
  allow: AllowList,
  onRefused: (peer: string, direction: Direction) => void,
): ConnectionGater {
  const deny = (peerId: PeerId, direction: Direction): boolean => {
    if (allow.nodeIdOf(peerId) !== undefined) return false;
    onRefused(describePeer(peerId), direction);
    return true;
  };
  return {
    denyDialPeer: (peerId) => allow.nodeIdOf(peerId) === undefined,
    denyInboundEncryptedConnection: (peerId) => deny(peerId, 'inbound'),
    denyOutboundEncryptedConnection: (peerId) => deny(peerId, 'outbound'),
  };
}

/** The node id when the peer has a secp256k1 key, else its PeerId string. */
function describePeer(peerId: PeerId): string {
  try {
    return nodeIdFromPeerId(peerId);
  } catch {
    return peerId.toString();
  }
}
