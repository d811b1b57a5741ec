import { BLOCK_VERSION, type Block } from '../codec/block.js';
import { encodeCanonical } from '../codec/canonical.js';
import { fromHex, utf8 } from '../codec/hex.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { storageKey, SystemAddress } from '../exec/addresses.js';
import {
  committeeGenesisEntries,
  consensusNodesGenesisEntry,
  permissionsGenesisEntries,
  supervisionKeyGenesisEntries,
  systemConfigGenesisEntries,
  type ConsensusNode,
} from '../exec/system/index.js';
import { deriveEthereumChainId, type GenesisConfig } from '../config/genesis.js';
import { merkleRoot } from '../ledger/merkle.js';
import { StateOverlay, type StateReader } from '../state/overlay.js';
import { computeNextRoot } from '../state/world-state.js';

export const ZERO_HASH = new Uint8Array(32);

const EMPTY_STATE: StateReader = { get: () => null };

/** The consensus node list genesis declares, sealers first, in file order. */
export function genesisNodes(g: GenesisConfig): ConsensusNode[] {
  return [
    ...g.sealers.map((id) => ({ nodeId: fromHex(id, 'sealer'), role: 'sealer' as const, regulator: false })),
    ...g.observers.map((o) => ({
      nodeId: fromHex(o.nodeId, 'observer'),
      role: 'observer' as const,
      regulator: o.regulator,
    })),
  ];
}

/** Block 0 and the state it creates. Deterministic: depends only on the genesis file. */
export function buildGenesis(
  suite: CryptoSuite,
  g: GenesisConfig,
): { block: Block; state: StateOverlay; stateRoot: Uint8Array } {
  const state = new StateOverlay(EMPTY_STATE);
  for (const [k, v] of systemConfigGenesisEntries(g.systemConfig as Record<string, string>)) state.set(k, v);
  const members = g.committee.members.map((m) => ({
    address: fromHex(m.address, 'committee member', 20),
    weight: m.weight,
  }));
  for (const [k, v] of committeeGenesisEntries(members, g.committee)) state.set(k, v);
  const regulators = g.regulators.map((r) => ({
    account: fromHex(r.account, 'regulator account', 20),
    name: r.name,
    jurisdiction: r.jurisdiction,
  }));
  // Written only when genesis names regulators, so chains without them keep their genesis hash.
  if (regulators.length > 0) for (const [k, v] of permissionsGenesisEntries(regulators)) state.set(k, v);
  // Likewise supervision keys: only those genesis names.
  const keys = g.regulators.map((r) => ({
    account: fromHex(r.account, 'regulator account', 20),
    ...(r.supervisionKey ? { supervisionKey: fromHex(r.supervisionKey, 'regulator supervisionKey', 33) } : {}),
  }));
  for (const [k, v] of supervisionKeyGenesisEntries(keys)) state.set(k, v);
  const [nk, nv] = consensusNodesGenesisEntry(genesisNodes(g));
  state.set(nk, nv);
  // Commit to the chain id, suite and replay window too, so that every rule of the
  // genesis file is reflected in the genesis hash.
  state.set(
    storageKey(SystemAddress.SystemConfig, utf8('genesis')),
    encodeCanonical([g.chainId, g.suite, g.blockLimitWindow, g.timestamp]),
  );
  // The Ethereum chain id follows from the chain id unless genesis sets another: only then
  // is it written, so chains made before the key existed keep their genesis hash.
  if (g.ethereumChainId !== deriveEthereumChainId(g.chainId))
    state.set(storageKey(SystemAddress.SystemConfig, utf8('ethereumChainId')), encodeCanonical([g.ethereumChainId]));
  const stateRoot = computeNextRoot(suite, ZERO_HASH, state.sortedChanges());
  const empty = merkleRoot(suite.hash.bind(suite), []);
  const block: Block = {
    header: {
      version: BLOCK_VERSION,
      parentHash: ZERO_HASH,
      number: 0,
      timestamp: g.timestamp,
      proposer: 0,
      txRoot: empty,
      receiptRoot: empty,
      stateRoot,
      gasUsed: 0,
      view: 0,
    },
    transactions: [],
  };
  return { block, state, stateRoot };
}
