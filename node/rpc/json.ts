import type { Block, CommitCertificate, Receipt } from '../codec/block.js';
import { encodeEnvelope, type Envelope } from '../codec/envelope.js';
import { concatBytes, toHex } from '../codec/hex.js';
import { TxType, type Transaction } from '../codec/tx.js';

/** JSON views of ledger objects: numbers as JSON numbers, bytes as 0x-hex. */
export const STATUS_TEXT: Record<number, string> = {
  0: 'success',
  1: 'reverted',
  2: 'outOfGas',
  3: 'trapped',
  4: 'badCall',
  5: 'deployFailed',
  6: 'subCallFailed',
};

export function certificateJson(c: CommitCertificate | null) {
  if (!c) return null;
  return { view: c.view, signatures: c.signatures.map(([index, sig]) => ({ index, signature: toHex(sig) })) };
}

export function blockJson(
  block: Block,
  hash: Uint8Array,
  certificate: CommitCertificate | null,
  txHashes: readonly Uint8Array[],
  fullTxs: boolean,
  senders?: readonly Uint8Array[],
) {
  const h = block.header;
  return {
    number: h.number,
    hash: toHex(hash),
    parentHash: toHex(h.parentHash),
    timestamp: h.timestamp,
    proposer: h.proposer,
    view: h.view,
    transactionsRoot: toHex(h.txRoot),
    receiptsRoot: toHex(h.receiptRoot),
    stateRoot: toHex(h.stateRoot),
    gasUsed: h.gasUsed,
    version: h.version,
    transactionCount: block.transactions.length,
    transactions: fullTxs
      ? block.transactions.map((tx, i) =>
          txJson(tx, txHashes[i], senders?.[i] ?? null, { blockNumber: h.number, blockHash: hash, index: i }),
        )
      : txHashes.map(toHex),
    certificate: certificateJson(certificate),
  };
}

export function txJson(
  tx: Transaction,
  hash: Uint8Array,
  sender: Uint8Array | null,
  at: { blockNumber: number; blockHash: Uint8Array; index: number } | null,
) {
  // An Ethereum-signed transaction in the native view: its Ethereum chain id in decimal,
  // its sequential nonce as 8 bytes of hex, no blockLimit (0), and r || s || yParity as the signature.
  const eth = tx.type === TxType.Ethereum;
  return {
    hash: toHex(hash),
    type: tx.type,
    chainId: eth ? String(tx.chainId) : tx.chainId,
    nonce: eth ? `0x${tx.nonce.toString(16).padStart(16, '0')}` : toHex(tx.nonce),
    blockLimit: eth ? 0 : tx.blockLimit,
    from: sender ? toHex(sender) : null,
    to: tx.to ? toHex(tx.to) : null,
    input: toHex(tx.input),
    gasLimit: tx.gasLimit,
    signature: eth ? toHex(concatBytes(tx.r, tx.s, Uint8Array.of(tx.yParity))) : toHex(tx.signature),
    blockNumber: at?.blockNumber ?? null,
    blockHash: at ? toHex(at.blockHash) : null,
    transactionIndex: at?.index ?? null,
    privateRecord: tx.type === TxType.Private ? privateRecordJson(tx.envelope) : null,
  };
}

/**
 * A type-3 transaction's private record as anyone may read it: which pilot, the commitment,
 * whose keys can open it, and the envelope's canonical bytes, so a regulator node, a report
 * or an explorer can take the envelope over RPC and open it with a key of its own.
 */
function privateRecordJson(e: Envelope) {
  return {
    pilotId: e.pilotId,
    commitment: toHex(e.commitment),
    recipients: e.recipients.map((r) => toHex(r.keyId)),
    envelope: toHex(encodeEnvelope(e)),
  };
}

export function receiptJson(
  r: Receipt,
  txHash: Uint8Array,
  at: { blockNumber: number; blockHash: Uint8Array; index: number },
  tx: Transaction,
  sender: Uint8Array | null,
) {
  return {
    transactionHash: toHex(txHash),
    blockNumber: at.blockNumber,
    blockHash: toHex(at.blockHash),
    transactionIndex: at.index,
    from: sender ? toHex(sender) : null,
    to: tx.to ? toHex(tx.to) : null,
    status: r.status,
    statusText: STATUS_TEXT[r.status] ?? 'unknown',
    message: r.message,
    gasUsed: r.gasUsed,
    output: toHex(r.output),
    contractAddress: r.contractAddress ? toHex(r.contractAddress) : null,
    logs: r.logs.map((l, i) => ({
      logIndex: i,
      address: toHex(l.address),
      topics: l.topics.map(toHex),
      data: toHex(l.data),
    })),
  };
}
