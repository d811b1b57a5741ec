import {
  CodecError,
  CodecErrorCode,
  canonicalArrayHeader,
  canonicalItemEnd,
  decodeCanonical,
  encodeCanonical,
  equalBytes,
  type Canonical,
} from './canonical.js';
import { allocBytes } from '../bytes/slab.js';
import { concatAll } from './hex.js';
import { txFromCanonical, txToCanonical, type Transaction } from './tx.js';
import type { CryptoSuite } from '../crypto/suite.js';

export const HASH_LENGTH = 32;
export const BLOCK_VERSION = 1;

export interface BlockHeader {
  readonly version: number;
  readonly parentHash: Uint8Array;
  readonly number: number;
  /** Milliseconds since the Unix epoch, chosen by the proposer; execution reads only this. */
  readonly timestamp: number;
  /** Index of the proposer in the sealer list in force at this height. */
  readonly proposer: number;
  readonly txRoot: Uint8Array;
  readonly receiptRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly gasUsed: number;
  /** Consensus view/round the block was proposed in (0 for the solo sealer). */
  readonly view: number;
}

/** Signatures of 2f+1 sealers over the block hash: [sealerIndex, signature]. */
export interface CommitCertificate {
  readonly view: number;
  readonly signatures: ReadonlyArray<readonly [number, Uint8Array]>;
}

export interface Block {
  readonly header: BlockHeader;
  readonly transactions: readonly Transaction[];
}

export const ReceiptStatus = {
  Success: 0,
  Reverted: 1,
  OutOfGas: 2,
  /** The contract trapped (invalid operation, unreachable, memory fault). */
  Trapped: 3,
  /** The target does not exist or does not accept the call. */
  BadCall: 4,
  /** Deployment could not be accepted (no VM, invalid code). */
  DeployFailed: 5,
  /** A sub-call failed and the caller did not handle it. */
  SubCallFailed: 6,
} as const;
export type ReceiptStatusCode = (typeof ReceiptStatus)[keyof typeof ReceiptStatus];

export interface Log {
  readonly address: Uint8Array;
  readonly topics: readonly Uint8Array[];
  readonly data: Uint8Array;
}

export interface Receipt {
  readonly status: ReceiptStatusCode;
  readonly gasUsed: number;
  readonly output: Uint8Array;
  readonly logs: readonly Log[];
  readonly contractAddress: Uint8Array | null;
  /** Human-readable reason for a non-success status (revert reason, trap, …). */
  readonly message: string;
}

export function headerToCanonical(h: BlockHeader): Canonical {
  return [
    h.version,
    h.parentHash,
    h.number,
    h.timestamp,
    h.proposer,
    h.txRoot,
    h.receiptRoot,
    h.stateRoot,
    h.gasUsed,
    h.view,
  ];
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  return encodeCanonical(headerToCanonical(h));
}

export function blockHash(suite: CryptoSuite, h: BlockHeader): Uint8Array {
  return suite.hash(encodeHeader(h));
}

export function headerFromCanonical(v: Canonical): BlockHeader {
  if (!Array.isArray(v) || v.length !== 10) throw new CodecError('block header must be an array of 10 fields');
  const [version, parentHash, number, timestamp, proposer, txRoot, receiptRoot, stateRoot, gasUsed, view] = v;
  return {
    version: uint(version, 'version'),
    parentHash: hash32(parentHash, 'parentHash'),
    number: uint(number, 'number'),
    timestamp: uint(timestamp, 'timestamp'),
    proposer: uint(proposer, 'proposer'),
    txRoot: hash32(txRoot, 'txRoot'),
    receiptRoot: hash32(receiptRoot, 'receiptRoot'),
    stateRoot: hash32(stateRoot, 'stateRoot'),
    gasUsed: uint(gasUsed, 'gasUsed'),
    view: uint(view, 'view'),
  };
}

export function certToCanonical(c: CommitCertificate): Canonical {
  return [c.view, c.signatures.map(([i, s]) => [i, s])];
}

export function certFromCanonical(v: Canonical): CommitCertificate {
  if (!Array.isArray(v) || v.length !== 2 || !Array.isArray(v[1]))
    throw new CodecError('certificate must be [view, signatures]');
  const signatures = (v[1] as Canonical[]).map((e, k) => {
    if (!Array.isArray(e) || e.length !== 2 || !(e[1] instanceof Uint8Array))
      throw new CodecError(`certificate signature ${k} malformed`);
    return [uint(e[0], `certificate signer ${k}`), e[1]] as const;
  });
  return { view: uint(v[0], 'certificate view'), signatures };
}

export function encodeBlock(b: Block): Uint8Array {
  return encodeCanonical([headerToCanonical(b.header), b.transactions.map(txToCanonical)]);
}

export function decodeBlock(bytes: Uint8Array): Block {
  const v = decodeCanonical(bytes);
  return blockFromCanonical(v);
}

/**
 * An encoded block split, without decoding it, into its header's bytes and each
 * transaction's bytes (views into `bytes`). A node that already holds most of a proposed
 * block's transactions can then find them by hash instead of decoding them again. The
 * framing is checked here — a two-item array, the minimal length header for the
 * transactions, nothing after them — and each part's canonical form is the caller's to
 * check: decodeCanonical on the header; for a transaction, its own decoding, or a hash equal
 * to that of a transaction already known (equal hashes, equal bytes).
 */
export function splitEncodedBlock(bytes: Uint8Array): { header: Uint8Array; txs: Uint8Array[] } {
  if (bytes.length === 0 || bytes[0] !== 0x92) throw new CodecError('block must be [header, transactions]');
  const headerEnd = canonicalItemEnd(bytes, 1);
  const t = bytes[headerEnd];
  let count: number;
  let p: number;
  if (t >= 0x90 && t <= 0x9f) [count, p] = [t & 0x0f, headerEnd + 1];
  else if (t === 0xdc && headerEnd + 3 <= bytes.length)
    [count, p] = [(bytes[headerEnd + 1] << 8) | bytes[headerEnd + 2], headerEnd + 3];
  else if (t === 0xdd && headerEnd + 5 <= bytes.length)
    [count, p] = [new DataView(bytes.buffer, bytes.byteOffset + headerEnd + 1, 4).getUint32(0), headerEnd + 5];
  else throw new CodecError('block transactions must be an array');
  if (!equalBytes(bytes.subarray(headerEnd, p), canonicalArrayHeader(count)))
    throw new CodecError('block transactions: non-minimal array length', CodecErrorCode.NotCanonical);
  const txs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const end = canonicalItemEnd(bytes, p);
    txs.push(bytes.subarray(p, end));
    p = end;
  }
  if (p !== bytes.length) throw new CodecError('trailing bytes after the block', CodecErrorCode.NotCanonical);
  return { header: bytes.subarray(1, headerEnd), txs };
}

export function blockFromCanonical(v: Canonical): Block {
  if (!Array.isArray(v) || v.length !== 2 || !Array.isArray(v[1]))
    throw new CodecError('block must be [header, transactions]');
  return { header: headerFromCanonical(v[0]), transactions: (v[1] as Canonical[]).map(txFromCanonical) };
}

export function receiptToCanonical(r: Receipt): Canonical {
  return [
    r.status,
    r.gasUsed,
    r.output,
    r.logs.map((l) => [l.address, [...l.topics], l.data]),
    r.contractAddress,
    r.message,
  ];
}

/**
 * The receipt root's leaf, which binds a receipt to its transaction hash: the canonical
 * `[txHash, receipt]`, written around the receipt's own encoding into one slab array (a
 * leaf lives only until it is hashed, and a block has one per transaction).
 */
export function receiptLeaf(txHash: Uint8Array, r: Receipt): Uint8Array {
  const hash = encodeCanonical(txHash);
  const receipt = encodeReceipt(r);
  const leaf = allocBytes(1 + hash.length + receipt.length);
  leaf[0] = 0x92; // canonicalArrayHeader(2)
  leaf.set(hash, 1);
  leaf.set(receipt, 1 + hash.length);
  return leaf;
}

/**
 * Receipt encodings already made: a receipt is encoded for its leaf in the receipt root
 * and again in the ledger's receipts of its block. Receipts are immutable values.
 */
const receiptEncodings = new WeakMap<Receipt, Uint8Array>();

export function encodeReceipt(r: Receipt): Uint8Array {
  let bytes = receiptEncodings.get(r);
  if (!bytes) {
    bytes = encodeCanonical(receiptToCanonical(r));
    receiptEncodings.set(r, bytes);
  }
  return bytes;
}

/** encodeCanonical(receipts.map(receiptToCanonical)), from each receipt's encoding. */
export function encodeReceipts(receipts: readonly Receipt[]): Uint8Array {
  const parts = [canonicalArrayHeader(receipts.length)];
  for (const r of receipts) parts.push(encodeReceipt(r));
  return concatAll(parts);
}

export function receiptFromCanonical(v: Canonical): Receipt {
  if (!Array.isArray(v) || v.length !== 6) throw new CodecError('receipt must be an array of 6 fields');
  const [status, gasUsed, output, logs, contractAddress, message] = v;
  if (!(output instanceof Uint8Array)) throw new CodecError('receipt output must be bytes');
  if (!Array.isArray(logs)) throw new CodecError('receipt logs must be an array');
  if (contractAddress !== null && !(contractAddress instanceof Uint8Array))
    throw new CodecError('receipt contractAddress must be bytes or null');
  if (typeof message !== 'string') throw new CodecError('receipt message must be a string');
  return {
    status: receiptStatus(status),
    gasUsed: uint(gasUsed, 'gasUsed'),
    output,
    logs: (logs as Canonical[]).map((l) => {
      if (
        !Array.isArray(l) ||
        l.length !== 3 ||
        !(l[0] instanceof Uint8Array) ||
        !Array.isArray(l[1]) ||
        !(l[2] instanceof Uint8Array)
      ) {
        throw new CodecError('receipt log malformed');
      }
      const topics = l[1] as Canonical[];
      if (!topics.every((t) => t instanceof Uint8Array)) throw new CodecError('receipt log topics must be bytes');
      return { address: l[0], topics: topics as Uint8Array[], data: l[2] };
    }),
    contractAddress,
    message,
  };
}

export function decodeReceipt(bytes: Uint8Array): Receipt {
  return receiptFromCanonical(decodeCanonical(bytes));
}

const RECEIPT_STATUSES: ReadonlySet<number> = new Set(Object.values(ReceiptStatus));

function receiptStatus(x: Canonical): ReceiptStatusCode {
  const status = uint(x, 'status');
  if (!RECEIPT_STATUSES.has(status)) throw new CodecError(`unknown receipt status ${status}`);
  return status as ReceiptStatusCode;
}

function uint(x: Canonical, field: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
    throw new CodecError(`${field} must be a non-negative integer`);
  return x;
}

function hash32(x: Canonical, field: string): Uint8Array {
  if (!(x instanceof Uint8Array) || x.length !== HASH_LENGTH)
    throw new CodecError(`${field} must be ${HASH_LENGTH} bytes`);
  return x;
}
