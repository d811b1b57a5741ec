import { z } from 'zod';
import { type CodeOf, LingdingError } from '../../node/errors/index.js';

/**
 * The audit report as written to disk: one JSON file an auditor verifies offline
 * (verify.ts) and one CSV for spreadsheets that must say the same. Every value is either
 * bytes the chain committed to (transactions, receipts, headers, certificates, proofs), data
 * whose hash the chain holds (private records with their salts), a summary the verifier
 * recomputes from those, or the regulator node's own findings (pilot spec, alerts), which
 * the content hash covers.
 */
export const REPORT_FORMAT = 'lingding-audit-report/1';

export const ReportErrorCode = {
  /** The file is not a report: unreadable, not JSON, or not of this format. */
  Malformed: 'MALFORMED_REPORT',
  /** The range or pilot asked for cannot be reported (no such block, time or pilot). */
  BadRange: 'BAD_RANGE',
  /** The node lacks what a report needs (a method, a proof, a certificate). */
  NodeCannotReport: 'NODE_CANNOT_REPORT',
} as const;
export type ReportErrorCodeValue = CodeOf<typeof ReportErrorCode>;

export class ReportError extends LingdingError<ReportErrorCodeValue> {
  constructor(code: ReportErrorCodeValue, message: string) {
    super(code, message);
    this.name = 'ReportError';
  }
}

// Lower-case only: a report has one spelling of every value, so a changed letter is a changed value.
const hex = z.string().regex(/^0x([0-9a-f]{2})*$/, 'must be 0x-prefixed lower-case hex bytes');
const hash32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'must be 32 bytes of lower-case hex');
const address = z.string().regex(/^0x[0-9a-f]{40}$/, 'must be a 20-byte lower-case hex address');
const uint = z.number().int().min(0);
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, 'must be a decimal integer');

const merkleProof = z.strictObject({ index: uint, leafCount: uint, siblings: z.array(hash32) });

export const HeaderSchema = z.strictObject({
  version: uint,
  parentHash: hash32,
  number: uint,
  timestamp: uint,
  proposer: uint,
  txRoot: hash32,
  receiptRoot: hash32,
  stateRoot: hash32,
  gasUsed: uint,
  view: uint,
});

const BlockEntrySchema = z.strictObject({
  hash: hash32,
  header: HeaderSchema,
  certificate: z.strictObject({
    view: uint,
    signatures: z.array(z.strictObject({ index: uint, signature: hex })),
  }),
});

export const TransferSchema = z.strictObject({ contract: address, from: address, to: address, value: decimal });

/** What a row of the CSV says; the verifier recomputes it from the transaction and receipt. */
const SummarySchema = z.strictObject({
  time: z.string(),
  sender: address,
  /** The sender when it is one of the pilot's institutions, else empty. */
  institution: z.string(),
  contract: z.string(),
  selector: z.string(),
  status: z.string(),
  transfers: z.array(TransferSchema),
  record: z.string(),
  alerts: z.array(z.string()),
});

const TxEntrySchema = z.strictObject({
  hash: hash32,
  blockNumber: uint,
  /** The transaction's canonical bytes, as the transaction root commits to them. */
  transaction: hex,
  /** The receipt leaf: canonical [txHash, receipt], as the receipt root commits to it. */
  receipt: hex,
  transactionProof: merkleProof,
  receiptProof: merkleProof,
  /** The decrypted private record and its salt: keccak256(salt ‖ data) is the envelope's commitment. */
  record: z.strictObject({ salt: hash32, data: hex }).nullable(),
  summary: SummarySchema,
});

/** A change of the node list the report proves, so certificates after it verify against the new set. */
const NodeListChangeSchema = z.strictObject({
  proposalId: uint,
  action: z.enum(['addValidator', 'addObserver', 'demoteToObserver', 'removeNode']),
  nodeId: hex,
  /** The transaction whose receipt carries ProposalCreated (kind and payload). */
  createdIn: hash32,
  /** The transaction whose receipt carries ProposalExecuted: in force from the next block. */
  executedIn: hash32,
});

/** An alert as the regulator node stored it; `transactionHash` links it to a row. */
const AlertSchema = z.looseObject({
  id: z.union([z.string(), uint]),
  rule: z.string(),
  transactionHash: hash32.nullable().optional(),
  blockNumber: uint.optional(),
  message: z.string(),
});

export const ReportSchema = z.strictObject({
  format: z.literal(REPORT_FORMAT),
  chain: z.strictObject({ chainId: z.string(), genesisHash: hash32 }),
  pilot: z.strictObject({
    id: uint,
    name: z.string(),
    institutions: z.array(address),
    contracts: z.array(address),
    jurisdictions: z.array(z.string()),
  }),
  range: z.strictObject({ fromBlock: uint, toBlock: uint }),
  /** Where the records and alerts came from: 'regulator node' or why there are none. */
  supervision: z.string(),
  blocks: z.array(BlockEntrySchema),
  transactions: z.array(TxEntrySchema),
  /** Governance transactions proving node-list changes (nodeListChanges), same shape. */
  governance: z.array(TxEntrySchema),
  nodeListChanges: z.array(NodeListChangeSchema),
  alerts: z.array(AlertSchema),
  /** keccak256 of this file written with contentHash = 0x (the one field it cannot cover). */
  contentHash: hex,
});

export type Report = z.infer<typeof ReportSchema>;
export type BlockEntry = z.infer<typeof BlockEntrySchema>;
export type TxEntry = z.infer<typeof TxEntrySchema>;
export type TxSummary = z.infer<typeof SummarySchema>;
export type Transfer = z.infer<typeof TransferSchema>;
export type Alert = z.infer<typeof AlertSchema>;
export type NodeListChange = z.infer<typeof NodeListChangeSchema>;

/** The one way a report is written: so the verifier can insist on exactly these bytes. */
export function serializeReport(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** The report's file name in an output directory, and its CSV beside it. */
export const REPORT_JSON = 'report.json';
export const REPORT_CSV = 'report.csv';

export const CSV_HEADER = [
  'time',
  'block',
  'tx',
  'sender',
  'institution',
  'contract',
  'method selector',
  'amounts',
  'record',
  'alerts',
] as const;

/** One row per reported transaction, derived from the JSON only (so the verifier can compare). */
export function reportCsv(r: Report): string {
  const rows = r.transactions.map((t) => [
    t.summary.time,
    String(t.blockNumber),
    t.hash,
    t.summary.sender,
    t.summary.institution,
    t.summary.contract,
    t.summary.selector,
    t.summary.transfers.map((x) => x.value).join(';'),
    t.summary.record,
    t.summary.alerts.join(';'),
  ]);
  return [[...CSV_HEADER], ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * RFC 4180 quoting, and a leading apostrophe for text a spreadsheet would run as a formula
 * (record summaries are institutions' data).
 */
function csvCell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
