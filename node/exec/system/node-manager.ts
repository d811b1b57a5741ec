import { equalBytes } from '../../codec/canonical.js';
import { toHex } from '../../codec/hex.js';
import { NODE_LIST_BOUNDS } from '../../config/defaults.js';
import { SystemAddress } from '../addresses.js';
import type { CallFrame } from '../types.js';
import {
  type ConsensusNode,
  CONSENSUS_NODES_KEY,
  decodeConsensusNodes,
  encodeConsensusNodes,
} from './consensus-nodes.js';
import type { NodeAction } from './proposal-kinds.js';
import { ContractStorage } from './storage.js';

/**
 * Node admission by committee proposal (AddValidator, AddObserver, DemoteToObserver,
 * RemoveNode). The node list is written when the proposal executes in block h, and the
 * chain reads the validator set for block h+1 from the state after block h, so the change
 * is in force from h+1 on every node at once.
 */

/** True when `action` removes or demotes a regulator's node: it then needs a regulator's consent. */
export function needsRegulatorConsent(nodes: readonly ConsensusNode[], action: NodeAction): boolean {
  if (action.kind !== 'removeNode' && action.kind !== 'demoteToObserver') return false;
  return nodes.some((n) => n.regulator && equalBytes(n.nodeId, action.nodeId));
}

/**
 * The node list after `action`, or a reason it cannot be applied to `nodes` (thrown as an
 * Error). `regulatorConsent`: a regulator consented (see the Committee's `consent`); without
 * it, a regulator's node is never removed or demoted.
 */
export function nodeListAfter(
  nodes: readonly ConsensusNode[],
  action: NodeAction,
  regulatorConsent = false,
): ConsensusNode[] {
  const id = toHex(action.nodeId);
  const i = nodes.findIndex((n) => equalBytes(n.nodeId, action.nodeId));
  const node = nodes[i];
  const others = nodes.filter((_, j) => j !== i);
  switch (action.kind) {
    case 'addValidator':
    case 'addObserver': {
      if (node) throw new Error(`node ${id} is already in the node list as ${roleName(node)}`);
      if (nodes.length >= NODE_LIST_BOUNDS.maxNodes)
        throw new Error(`the node list already has the most nodes allowed (${NODE_LIST_BOUNDS.maxNodes})`);
      const role = action.kind === 'addValidator' ? 'sealer' : 'observer';
      return [...nodes, { nodeId: action.nodeId, role, regulator: false }];
    }
    case 'demoteToObserver':
    case 'removeNode': {
      const doing = action.kind === 'removeNode' ? 'removed' : 'demoted';
      if (!node) throw new Error(`node ${id} is not in the node list, so it cannot be ${doing}`);
      // Institutions alone never shut a regulator out: its node moves only with a regulator's consent.
      if (node.regulator && !regulatorConsent)
        throw new Error(`node ${id} is a regulator's node and cannot be ${doing} without a regulator's consent`);
      if (action.kind === 'demoteToObserver' && node.role !== 'sealer')
        throw new Error(`node ${id} is an observer already`);
      if (node.role === 'sealer' && !others.some((n) => n.role === 'sealer'))
        throw new Error(`node ${id} is the last validator; a chain needs at least one`);
      if (action.kind === 'removeNode') return others;
      return nodes.map((n, j) => (j === i ? { ...n, role: 'observer' } : n));
    }
  }
}

function roleName(n: ConsensusNode): string {
  return n.role === 'sealer' ? 'a validator' : 'an observer';
}

/** Gas-charged access to the node list in the consensus system address's storage. */
function nodeStorage(frame: CallFrame): ContractStorage {
  return new ContractStorage({ ...frame, self: SystemAddress.Consensus });
}

export function readNodeList(frame: CallFrame): ConsensusNode[] {
  const raw = nodeStorage(frame).get(CONSENSUS_NODES_KEY);
  return raw ? decodeConsensusNodes(raw) : [];
}

export function writeNodeList(frame: CallFrame, nodes: readonly ConsensusNode[]): void {
  nodeStorage(frame).set(CONSENSUS_NODES_KEY, encodeConsensusNodes(nodes));
}
