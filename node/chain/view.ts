import type { Receipt } from '../codec/block.js';
import type {
  Pilot,
  Regulator,
  CommitteeMember,
  ConsensusNode,
  PermissionsSnapshot,
  Proposal,
  VotingRules,
} from '../exec/system/index.js';
import type { ChainHead, StoredBlock, TxLocation } from '../ledger/store.js';

export type { ChainHead, StoredBlock, TxLocation };

/** A deployed contract as the RPC shows it. */
export interface ContractCode {
  readonly wasm: Uint8Array;
  readonly abi: string;
}

/**
 * What a reader of the chain (the RPC) may see: committed blocks, receipts, transaction
 * locations, contract code, system config, the consensus node lists and read-only calls.
 * Nothing here writes, and none of it hands out the store or the world state.
 */
/** A pilot as getPilot shows it: the record and who supervises it (decision 2) with which key (decision 5). */
export interface PilotView {
  readonly pilot: Pilot;
  readonly supervisors: ReadonlyArray<Regulator & { readonly keyId: Uint8Array | null }>;
}

export interface ChainView {
  readonly head: ChainHead;
  readonly chainId: string;
  /** The EIP-155 chain id Ethereum-signed transactions name (eth_chainId, net_version). */
  readonly ethereumChainId: number;
  readonly genesisHash: Uint8Array;
  getBlock(number: number): Promise<StoredBlock | null>;
  getBlockNumberByHash(hash: Uint8Array): Promise<number | null>;
  getBlockHash(number: number): Promise<Uint8Array | null>;
  getReceipts(number: number): Promise<readonly Receipt[] | null>;
  getTxLocation(txHash: Uint8Array): Promise<TxLocation | null>;
  /** The Ethereum logs bloom of a committed block, or null (see LedgerStore's blooms bucket). */
  getLogsBloom(number: number): Promise<Uint8Array | null>;
  /** The blocks in [from, to] that have logs, with their blooms: all eth_getLogs needs to read. */
  nonEmptyLogsBlooms(from: number, to: number): Promise<Array<{ number: number; bloom: Uint8Array }>>;
  /** The contract deployed at `address` in the head state, or null. */
  contractCode(address: Uint8Array): ContractCode | null;
  /** A system config entry in force for the next block and the block it applies from; null for an unknown key. */
  systemConfigEntry(key: string): { value: string; enableNumber: number } | null;
  consensusNodes(): ConsensusNode[];
  /** The governing committee and its voting rules in the head state. */
  committee(): { members: CommitteeMember[]; rules: VotingRules; proposalCount: number };
  /** A committee proposal as stored in the head state (its status as stored: see statusAt), or null. */
  proposal(id: number): Proposal | null;
  /** Account and contract permissions in the head state, each list cut at `cap` entries. */
  permissions(cap: number): PermissionsSnapshot;
  /** How many pilots the head state has registered (ids 1..count). */
  pilotCount(): number;
  /** A pilot in the head state with its supervising regulators and their keys in force for the next block, or null. */
  pilot(id: number): PilotView | null;
  /** The next Ethereum-type nonce of `address` in the head state (0 for an account that never sent one). */
  ethNonce(address: Uint8Array): number;
  /**
   * What an Ethereum transaction from `from` at its next nonce would do (deploys included),
   * over a throwaway copy of the head state; `gasLimit` is capped at tx_gas_limit.
   */
  simulate(req: { from: Uint8Array; to: Uint8Array | null; input: Uint8Array; gasLimit?: number }): Receipt;
  /** A read-only contract call against the head state; `gasLimit` is capped at tx_gas_limit. */
  call(from: Uint8Array, to: Uint8Array, input: Uint8Array, gasLimit?: number): Receipt;
}
