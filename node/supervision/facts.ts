/**
 * What the supervisor knows about a committed block, as small typed facts: the rules, the
 * index and the trace are written against these, not against the chain, the pilot registry
 * or the envelope format, so each can be tested with facts built by hand.
 */
import { type Log, type Receipt, ReceiptStatus } from '../codec/block.js';
import { toHex } from '../codec/hex.js';

/** ERC-20 / ERC-721 `Transfer(address indexed from, address indexed to, uint256 …)` (decision 4). */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
export const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;
/** `AssetMoved(uint256 indexed id, address indexed from, address indexed to, uint256 amount)` (decision 11). */
export const ASSET_MOVED_TOPIC = '0xa8753f29c8530cec1f881e4eaa33928a1cbdd042c88db42553f0c2d03b455cd1';
/** `AssetSplit(uint256 indexed parent, uint256 indexed child, address holder, uint256 amount)` (decision 11). */
export const ASSET_SPLIT_TOPIC = '0x5c47b393d053daf4d5f291bef86e97718412f80f2f544bcea0bdf30df7b9bf77';

export type PilotStatusName = 'Registered' | 'Suspended' | 'Exited';

/** A pilot as PilotRegistry holds it (decision 1); addresses are lowercase 0x-hex. */
export interface PilotFacts {
  readonly id: number;
  readonly name: string;
  readonly institutions: readonly string[];
  readonly contracts: readonly string[];
  readonly jurisdictions: readonly string[];
  readonly startMs: number;
  readonly endMs: number;
  readonly status: PilotStatusName;
  /** 0 = none. */
  readonly perTxCap: bigint;
  readonly dailyCap: bigint;
}

/** One Transfer event. ERC-721 transfers (the id as a fourth topic) move `value` 1 of `tokenId`. */
export interface TransferFact {
  readonly contract: string;
  readonly from: string;
  readonly to: string;
  readonly value: bigint;
  readonly tokenId: string | null;
  /** Position among the transaction's logs. */
  readonly logIndex: number;
}

/**
 * One event of the identified-asset standard (decision 11): an id moving between holders
 * (issue from the zero address, settlement to it) or a part of it split off as a child id.
 * Ids are decimal strings.
 */
export type AssetEventFact =
  | {
      readonly kind: 'move';
      readonly contract: string;
      readonly id: string;
      readonly from: string;
      readonly to: string;
      readonly amount: bigint;
      readonly logIndex: number;
    }
  | {
      readonly kind: 'split';
      readonly contract: string;
      readonly parent: string;
      readonly child: string;
      readonly holder: string;
      readonly amount: bigint;
      readonly logIndex: number;
    };

/** A private record (decision 6) as this node could read it. */
export interface RecordFact {
  readonly pilotId: number;
  readonly commitment: string;
  /** The record bytes, or null when none of this node's keys opened it. */
  readonly record: Uint8Array | null;
  /** The salt of its commitment (keccak256(salt ‖ record)), so an auditor can recompute it; null when not opened. */
  readonly salt: Uint8Array | null;
  /** Why it did not open (no entry for our key, or the wrapped key or ciphertext failed). */
  readonly problem: string | null;
}

export interface TxFact {
  readonly index: number;
  readonly hash: string;
  readonly sender: string;
  readonly to: string | null;
  readonly success: boolean;
  readonly transfers: readonly TransferFact[];
  /** Its identified-asset events (decision 11), of any contract; a failed transaction has none. */
  readonly assetEvents: readonly AssetEventFact[];
  /**
   * Contracts the transaction ran in, outermost first: its `to` and every contract that
   * emitted a log (inner calls' logs are in the receipt), so calls between contracts count.
   */
  readonly contracts: readonly string[];
  readonly record: RecordFact | null;
}

export interface BlockFacts {
  readonly number: number;
  readonly hash: string;
  readonly timestamp: number;
  readonly txs: readonly TxFact[];
}

/** The Transfer events among a receipt's logs (others are ignored; a malformed one is not a transfer). */
export function transfersOf(logs: readonly Log[]): TransferFact[] {
  const out: TransferFact[] = [];
  logs.forEach((log, logIndex) => {
    if (log.topics.length < 3 || toHex(log.topics[0]) !== TRANSFER_TOPIC) return;
    const from = topicAddress(log.topics[1]);
    const to = topicAddress(log.topics[2]);
    const contract = toHex(log.address);
    if (log.topics.length === 4 && log.data.length === 0)
      out.push({ contract, from, to, value: 1n, tokenId: BigInt(toHex(log.topics[3])).toString(), logIndex });
    else if (log.topics.length === 3 && log.data.length === 32)
      out.push({ contract, from, to, value: BigInt(toHex(log.data)), tokenId: null, logIndex });
  });
  return out;
}

/** The identified-asset events among a receipt's logs (decision 11); a malformed one is ignored. */
export function assetEventsOf(logs: readonly Log[]): AssetEventFact[] {
  const out: AssetEventFact[] = [];
  logs.forEach((log, logIndex) => {
    const topic = log.topics.length > 0 ? toHex(log.topics[0]) : null;
    const contract = toHex(log.address);
    if (topic === ASSET_MOVED_TOPIC && log.topics.length === 4 && log.data.length === 32)
      out.push({
        kind: 'move',
        contract,
        id: topicId(log.topics[1]),
        from: topicAddress(log.topics[2]),
        to: topicAddress(log.topics[3]),
        amount: BigInt(toHex(log.data)),
        logIndex,
      });
    else if (topic === ASSET_SPLIT_TOPIC && log.topics.length === 3 && log.data.length === 64)
      out.push({
        kind: 'split',
        contract,
        parent: topicId(log.topics[1]),
        child: topicId(log.topics[2]),
        holder: toHex(log.data.subarray(12, 32)),
        amount: BigInt(toHex(log.data.subarray(32, 64))),
        logIndex,
      });
  });
  return out;
}

function topicId(topic: Uint8Array): string {
  return BigInt(toHex(topic)).toString();
}

function topicAddress(topic: Uint8Array): string {
  return toHex(topic.subarray(12));
}

/** The facts of one transaction from its place in a block. */
export function txFact(
  index: number,
  hash: Uint8Array,
  sender: Uint8Array,
  to: Uint8Array | null,
  receipt: Receipt,
  record: RecordFact | null,
): TxFact {
  const contracts: string[] = [];
  const add = (a: string) => {
    if (!contracts.includes(a)) contracts.push(a);
  };
  if (to) add(toHex(to));
  for (const log of receipt.logs) add(toHex(log.address));
  const success = receipt.status === ReceiptStatus.Success;
  return {
    index,
    hash: toHex(hash),
    sender: toHex(sender),
    to: to ? toHex(to) : null,
    success,
    transfers: success ? transfersOf(receipt.logs) : [],
    assetEvents: success ? assetEventsOf(receipt.logs) : [],
    contracts,
    record,
  };
}

/** The UTC day of a block time, as PilotRegistry counts daily volume (decision 4). */
export function dayOf(timestampMs: number): number {
  return Math.floor(timestampMs / 86_400_000);
}

/** The participants a pilot allows: its institutions, its contracts and the zero address (mint/burn). */
export function allowedParticipants(p: PilotFacts): Set<string> {
  return new Set([...p.institutions, ...p.contracts, ZERO_ADDRESS]);
}

/** Active = Registered and the block time inside the period (decision 1). */
export function isActive(p: PilotFacts, timestampMs: number): boolean {
  return p.status === 'Registered' && timestampMs >= p.startMs && timestampMs < p.endMs;
}
