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

/** A private record (decision 6) as this node could read it. */
export interface RecordFact {
  readonly pilotId: number;
  readonly commitment: string;
  /** The record bytes, or null when none of this node's keys opened it. */
  readonly record: Uint8Array | null;
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
  return {
    index,
    hash: toHex(hash),
    sender: toHex(sender),
    to: to ? toHex(to) : null,
    success: receipt.status === ReceiptStatus.Success,
    transfers: receipt.status === ReceiptStatus.Success ? transfersOf(receipt.logs) : [],
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
