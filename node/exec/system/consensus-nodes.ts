import { decodeCanonical, encodeCanonical } from '../../codec/canonical.js';
import { utf8 } from '../../codec/hex.js';
import type { StateReader } from '../../state/overlay.js';
import { storageKey, SystemAddress } from '../addresses.js';

export type NodeRole = 'sealer' | 'observer';

export interface ConsensusNode {
  /** 64-byte uncompressed secp256k1 public key (no prefix): FISCO's node id. */
  readonly nodeId: Uint8Array;
  readonly role: NodeRole;
  /** True for a regulator's observer: institutions can never remove it. */
  readonly regulator: boolean;
}

/**
 * The node list lives in chain state so that every node agrees on who may seal and observe:
 * genesis writes it, node admission proposals (node-manager.ts) rewrite it.
 */
export const CONSENSUS_NODES_KEY = utf8('nodes');

export function encodeConsensusNodes(nodes: readonly ConsensusNode[]): Uint8Array {
  return encodeCanonical(nodes.map((n) => [n.nodeId, n.role, n.regulator]));
}

export function decodeConsensusNodes(raw: Uint8Array): ConsensusNode[] {
  return (decodeCanonical(raw) as Array<[Uint8Array, NodeRole, boolean]>).map(([nodeId, role, regulator]) => ({
    nodeId,
    role,
    regulator,
  }));
}

export function consensusNodesGenesisEntry(nodes: readonly ConsensusNode[]): [Uint8Array, Uint8Array] {
  return [storageKey(SystemAddress.Consensus, CONSENSUS_NODES_KEY), encodeConsensusNodes(nodes)];
}

export function readConsensusNodes(state: StateReader): ConsensusNode[] {
  const raw = state.get(storageKey(SystemAddress.Consensus, CONSENSUS_NODES_KEY));
  return raw ? decodeConsensusNodes(raw) : [];
}
