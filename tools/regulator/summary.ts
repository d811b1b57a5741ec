import { type Receipt, ReceiptStatus, receiptFromCanonical } from '../../node/codec/block.js';
import { CodecError, decodeCanonical, equalBytes } from '../../node/codec/canonical.js';
import { toHex, utf8 } from '../../node/codec/hex.js';
import { decodeTx, type Transaction, TxType, txHash, txSignature } from '../../node/codec/tx.js';
import type { CryptoSuite } from '../../node/crypto/suite.js';
import type { Alert, Report, Transfer, TxSummary } from './format.js';

/**
 * What a report says about one transaction, computed from the committed bytes alone: the
 * report builder writes it and the verifier recomputes it, so a row cannot say anything the
 * chain does not.
 */

/** A transaction entry's bytes, decoded: the transaction, its hash, and its receipt. */
export interface DecodedEntry {
  readonly tx: Transaction;
  readonly hash: Uint8Array;
  readonly receipt: Receipt;
}

/** Decodes an entry's transaction bytes and receipt leaf; throws a CodecError naming what is wrong. */
export function decodeEntry(suite: CryptoSuite, transaction: Uint8Array, receiptLeaf: Uint8Array): DecodedEntry {
  const tx = decodeTx(transaction);
  const hash = txHash(suite, tx);
  const leaf = decodeCanonical(receiptLeaf);
  if (!Array.isArray(leaf) || leaf.length !== 2 || !(leaf[0] instanceof Uint8Array))
    throw new CodecError('receipt leaf must be [transactionHash, receipt]');
  if (!equalBytes(leaf[0], hash)) throw new CodecError('receipt leaf names another transaction');
  return { tx, hash, receipt: receiptFromCanonical(leaf[1]) };
}

/** keccak256("Transfer(address,address,uint256)"): the ERC-20 event that carries amounts. */
export function transferTopic(suite: CryptoSuite): Uint8Array {
  return suite.hash(utf8('Transfer(address,address,uint256)'));
}

/** The sender's address, recovered from the signature (a report never trusts a `from` field). */
export function senderOf(suite: CryptoSuite, tx: Transaction): Uint8Array {
  const { digest, signature } = txSignature(suite, tx);
  const pub = suite.recoverSigner(digest, signature);
  if (!pub) throw new CodecError('transaction signature does not recover a sender');
  return suite.addressFromPublicKey(pub);
}

/** Transfer events emitted by the pilot's contracts, in log order. */
export function pilotTransfers(suite: CryptoSuite, contracts: ReadonlySet<string>, r: Receipt): Transfer[] {
  const topic = transferTopic(suite);
  return r.logs
    .filter(
      (l) =>
        contracts.has(toHex(l.address)) &&
        l.topics.length === 3 &&
        equalBytes(l.topics[0], topic) &&
        l.data.length === 32,
    )
    .map((l) => ({
      contract: toHex(l.address),
      from: toHex(l.topics[1].subarray(12)),
      to: toHex(l.topics[2].subarray(12)),
      value: BigInt(toHex(l.data)).toString(),
    }));
}

/**
 * A transaction concerns the pilot when it is addressed to one of its contracts, one of them
 * logged, or it carries a private record of the pilot.
 */
export function concernsPilot(pilot: Pick<Report['pilot'], 'id' | 'contracts'>, e: DecodedEntry): boolean {
  const contracts = new Set(pilot.contracts);
  const to = e.tx.to;
  return (
    (to !== null && contracts.has(toHex(to))) ||
    e.receipt.logs.some((l) => contracts.has(toHex(l.address))) ||
    (e.tx.type === TxType.Private && e.tx.envelope.pilotId === pilot.id)
  );
}

/** A short, deterministic description of a record for the CSV: its size, and its text when it is text. */
export function recordSummary(data: Uint8Array | null): string {
  if (data === null) return '';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  const printable = /^[\x20-\x7e]*$/.test(text);
  const preview = printable ? `: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}` : '';
  return `${data.length} bytes${preview}`;
}

const STATUS_NAMES = Object.fromEntries(Object.entries(ReceiptStatus).map(([k, v]) => [v, k]));

export function summarize(
  suite: CryptoSuite,
  pilot: Report['pilot'],
  e: DecodedEntry,
  timestamp: number,
  record: Uint8Array | null,
  alerts: readonly Alert[],
): TxSummary {
  const sender = toHex(senderOf(suite, e.tx));
  const hash = toHex(e.hash);
  const to = e.tx.to;
  return {
    time: new Date(timestamp).toISOString(),
    sender,
    institution: pilot.institutions.includes(sender) ? sender : '',
    contract: to === null ? '' : toHex(to),
    selector: to !== null && e.tx.input.length >= 4 ? toHex(e.tx.input.subarray(0, 4)) : '',
    status: STATUS_NAMES[e.receipt.status] ?? String(e.receipt.status),
    transfers: pilotTransfers(suite, new Set(pilot.contracts), e.receipt),
    record: recordSummary(record),
    alerts: alerts.filter((a) => a.transactionHash === hash).map((a) => `${a.rule}#${a.id}`),
  };
}
