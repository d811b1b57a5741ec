import { describe, expect, it } from 'vitest';
import { toHex } from '../../codec/hex.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import { StateOverlay } from '../../state/overlay.js';
import { consensusNodesGenesisEntry, readConsensusNodes, type ConsensusNode } from './consensus-nodes.js';

const suite = createEcdsaSuite();
const empty = () => new StateOverlay({ get: () => null });

describe('consensus nodes', () => {
  it('round-trips sealers and observers with their roles and regulator flags', () => {
    const nodes: ConsensusNode[] = [
      { nodeId: suite.generateKeyPair().publicKey, role: 'sealer', regulator: false },
      { nodeId: suite.generateKeyPair().publicKey, role: 'sealer', regulator: false },
      { nodeId: suite.generateKeyPair().publicKey, role: 'observer', regulator: true },
    ];
    const s = empty();
    const [k, v] = consensusNodesGenesisEntry(nodes);
    s.set(k, v);
    const back = readConsensusNodes(s);
    expect(back.map((n) => [toHex(n.nodeId), n.role, n.regulator])).toEqual(
      nodes.map((n) => [toHex(n.nodeId), n.role, n.regulator]),
    );
  });

  it('a replaced list is what later readers see', () => {
    const s = empty();
    const a: ConsensusNode = { nodeId: suite.generateKeyPair().publicKey, role: 'sealer', regulator: false };
    const b: ConsensusNode = { nodeId: suite.generateKeyPair().publicKey, role: 'observer', regulator: false };
    const [k1, v1] = consensusNodesGenesisEntry([a, b]);
    s.set(k1, v1);
    const child = s.child();
    const [k2, v2] = consensusNodesGenesisEntry([{ ...b, role: 'sealer' }]);
    child.set(k2, v2);
    expect(readConsensusNodes(s)).toHaveLength(2);
    child.mergeInto(s);
    expect(readConsensusNodes(s).map((n) => [toHex(n.nodeId), n.role])).toEqual([[toHex(b.nodeId), 'sealer']]);
  });

  it('an empty state has no nodes', () => {
    expect(readConsensusNodes(empty())).toEqual([]);
  });
});
