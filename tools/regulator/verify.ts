import { blockHash, type BlockHeader } from '../../node/codec/block.js';
import { equalBytes } from '../../node/codec/canonical.js';
import { fromHex, toHex, utf8 } from '../../node/codec/hex.js';
import { TxType } from '../../node/codec/tx.js';
import { bindSuiteToChain, chainTag, createValidatorSet, verifyCommitCertificate } from '../../consensus/index.js';
import { buildGenesis, genesisNodes } from '../../node/chain/genesis-block.js';
import type { GenesisConfig } from '../../node/config/genesis.js';
import { createSuite } from '../../node/crypto/index.js';
import type { CryptoSuite } from '../../node/crypto/suite.js';
import { decodeAbi } from '../../node/abi/codec.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import type { ConsensusNode } from '../../node/exec/system/consensus-nodes.js';
import { nodeListAfter } from '../../node/exec/system/node-manager.js';
import { decodeProposal, isNodeAction } from '../../node/exec/system/proposal-kinds.js';
import { verifyProofOffline } from '../cli/commands/query.js';
import {
  type BlockEntry,
  type Report,
  ReportError,
  ReportErrorCode,
  ReportSchema,
  reportCsv,
  serializeReport,
  type TxEntry,
} from './format.js';
import { contentHashOf } from './report.js';
import { concernsPilot, type DecodedEntry, decodeEntry, summarize } from './summary.js';
import { recordCommitment } from '../../node/codec/envelope.js';

export type Verdict =
  | { readonly valid: true; readonly summary: string }
  | { readonly valid: false; readonly reason: string };

/** Thrown inside the checks: the first thing that failed, said as the verdict's reason. */
class Invalid extends Error {}
const fail = (reason: string): never => {
  throw new Invalid(reason);
};

/**
 * Parses a report file's text. Throws a ReportError (bad input) when it is not JSON or not a
 * report of this format: a file that is not a report is not an invalid report.
 */
export function parseReport(text: string): Report {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReportError(ReportErrorCode.Malformed, `the report is not JSON: ${(e as Error).message}`);
  }
  const r = ReportSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ReportError(
      ReportErrorCode.Malformed,
      `the report is malformed at ${i.path.join('.') || '(top)'}: ${i.message}`,
    );
  }
  return r.data;
}

/**
 * Verifies a report offline, with nothing but its files and the chain's genesis: the
 * report's text is exactly as the writer writes it; every block header hashes to its block
 * hash and its commit certificate carries a quorum of valid signatures of the validators in
 * force at its height (from genesis, through the node-list changes the report proves); every
 * transaction and receipt is included under its header's roots; every row says what its bytes
 * say; every record hashes to its transaction's envelope commitment; the CSV matches the JSON;
 * and the content hash covers the rest.
 */
export function verifyReport(text: string, csv: string | null, genesis: GenesisConfig): Verdict {
  const report = parseReport(text);
  try {
    if (serializeReport(report) !== text)
      fail('the report is not in the form the report writer writes (a byte was changed, added or removed)');
    const suite = createSuite(genesis.suite);
    checkChain(suite, report, genesis);
    const blocks = checkBlocks(suite, report, genesis);
    const seen = new Set<string>();
    for (const t of report.governance) checkEntry(suite, report, blocks, t, 'governance', seen);
    seen.clear();
    for (const t of report.transactions) {
      const e = checkEntry(suite, report, blocks, t, 'transaction', seen);
      if (!concernsPilot(report.pilot, e))
        fail(`transaction ${t.hash} does not concern pilot ${report.pilot.id}'s contracts`);
      if (t.blockNumber < report.range.fromBlock || t.blockNumber > report.range.toBlock)
        fail(`transaction ${t.hash} is in block ${t.blockNumber}, outside the report's range`);
    }
    if (csv !== null) checkCsv(report, csv);
    if (contentHashOf(suite, report) !== report.contentHash)
      fail(
        'the content hash does not match: the pilot, the range, the alerts or another part not bound to the chain was changed',
      );
  } catch (e) {
    if (e instanceof Invalid) return { valid: false, reason: e.message };
    throw e;
  }
  return {
    valid: true,
    summary: `pilot ${report.pilot.id}, blocks ${report.range.fromBlock}..${report.range.toBlock}: ${report.transactions.length} transaction(s), ${report.transactions.filter((t) => t.record).length} record(s), ${report.alerts.length} alert(s), ${report.blocks.length} certified block(s)`,
  };
}

function checkChain(suite: CryptoSuite, r: Report, g: GenesisConfig): void {
  const genesisHash = toHex(blockHash(suite, buildGenesis(suite, g).block.header));
  if (r.chain.chainId !== g.chainId || r.chain.genesisHash !== genesisHash)
    fail(
      `the report is of chain ${r.chain.chainId} (genesis ${r.chain.genesisHash}), but the genesis file given is chain ${g.chainId} (genesis ${genesisHash})`,
    );
}

/**
 * Checks every block against the validator set in force at its height and returns them by
 * number. The set starts as genesis declares it and changes after each node-list change the
 * report proves (in force from the block after the one that executed it). A change a block's
 * certificate needs but the report does not prove fails that block's check.
 */
function checkBlocks(suite: CryptoSuite, r: Report, g: GenesisConfig): Map<number, BlockEntry> {
  const genesisHash = fromHex(r.chain.genesisHash);
  const pbft = bindSuiteToChain(suite, chainTag(suite, g.chainId, genesisHash));
  const byNumber = new Map<number, BlockEntry>();
  let previous = -1;
  for (const b of r.blocks) {
    if (b.header.number <= previous) fail('the blocks are not in increasing order of number');
    previous = b.header.number;
    byNumber.set(b.header.number, b);
  }
  const changes = nodeListChangesByBlock(suite, r, byNumber);
  let nodes: ConsensusNode[] = genesisNodes(g);
  let applied = 0;
  for (const b of r.blocks) {
    const n = b.header.number;
    for (; applied < changes.length && changes[applied].executedAt < n; applied++)
      nodes = nodeListAfter(nodes, changes[applied].action, true);
    const header: BlockHeader = {
      ...b.header,
      parentHash: fromHex(b.header.parentHash),
      txRoot: fromHex(b.header.txRoot),
      receiptRoot: fromHex(b.header.receiptRoot),
      stateRoot: fromHex(b.header.stateRoot),
    };
    const hash = blockHash(suite, header);
    if (toHex(hash) !== b.hash) fail(`block ${n}: the header does not hash to the block hash ${b.hash}`);
    const validators = createValidatorSet(nodes.filter((x) => x.role === 'sealer').map((x) => x.nodeId));
    const cert = {
      view: b.certificate.view,
      signatures: b.certificate.signatures.map((s) => [s.index, fromHex(s.signature)] as const),
    };
    const check = verifyCommitCertificate(pbft, validators, n, hash, cert);
    if (!check.ok)
      fail(
        `block ${n}: the commit certificate does not verify against the validator set in force at that height (from the genesis file and ${applied} node-list change(s) the report proves): ${check.reason}; if the validator set changed before block ${n}, the report does not prove it`,
      );
  }
  return byNumber;
}

/**
 * The node-list changes, each proven by its governance transactions: a ProposalCreated log of
 * the committee giving the kind and payload, and a ProposalExecuted log for the same id.
 * (The entries themselves are checked like every other: proofs, headers, certificates.)
 */
function nodeListChangesByBlock(
  suite: CryptoSuite,
  r: Report,
  blocks: ReadonlyMap<number, BlockEntry>,
): Array<{ executedAt: number; action: ReturnType<typeof nodeActionOf> }> {
  const committee = SystemAddress.Committee;
  const created = suite.hash(utf8('ProposalCreated(uint64,address,uint8,bytes,uint64)'));
  const executed = suite.hash(utf8('ProposalExecuted(uint64)'));
  const out: Array<{ executedAt: number; action: ReturnType<typeof nodeActionOf> }> = [];
  for (const c of r.nodeListChanges) {
    const what = `node-list change (proposal ${c.proposalId})`;
    const logOf = (txHash: string, topic: Uint8Array) => {
      const t =
        r.governance.find((g) => g.hash === txHash) ?? fail(`${what}: transaction ${txHash} is not in the report`);
      if (!blocks.has(t.blockNumber)) fail(`${what}: block ${t.blockNumber} is not in the report`);
      const e = decodeOrFail(suite, t, 'governance');
      const idTopic = fromHex(`0x${c.proposalId.toString(16).padStart(64, '0')}`);
      const log = e.receipt.logs.find(
        (l) =>
          equalBytes(l.address, committee) &&
          equalBytes(l.topics[0] ?? new Uint8Array(), topic) &&
          equalBytes(l.topics[1] ?? new Uint8Array(), idTopic),
      );
      return { log: log ?? fail(`${what}: transaction ${txHash} carries no such committee event`), at: t.blockNumber };
    };
    const action = nodeActionOf(what, logOf(c.createdIn, created).log.data);
    if (action.kind !== c.action || toHex(action.nodeId) !== c.nodeId)
      fail(`${what}: the report says ${c.action} ${c.nodeId}, the proposal is ${action.kind} ${toHex(action.nodeId)}`);
    out.push({ executedAt: logOf(c.executedIn, executed).at, action });
  }
  for (let i = 1; i < out.length; i++)
    if (out[i].executedAt < out[i - 1].executedAt) fail('the node-list changes are not in the order they executed');
  return out;
}

function nodeActionOf(what: string, data: Uint8Array) {
  try {
    const [kind, payload] = decodeAbi(['uint8', 'bytes', 'uint64'], data);
    const action = decodeProposal(Number(kind), payload as Uint8Array);
    return isNodeAction(action) ? action : fail(`${what}: the proposal is not a node admission`);
  } catch (e) {
    if (e instanceof Invalid) throw e;
    return fail(`${what}: its ProposalCreated event does not decode: ${(e as Error).message}`);
  }
}

function decodeOrFail(suite: CryptoSuite, t: TxEntry, kind: string): DecodedEntry {
  try {
    return decodeEntry(suite, fromHex(t.transaction), fromHex(t.receipt));
  } catch (e) {
    return fail(`${kind} ${t.hash}: its bytes do not decode: ${(e as Error).message}`);
  }
}

/** One entry: its bytes, both proofs under its block's roots, its summary and its record. */
function checkEntry(
  suite: CryptoSuite,
  r: Report,
  blocks: ReadonlyMap<number, BlockEntry>,
  t: TxEntry,
  kind: string,
  seen: Set<string>,
): DecodedEntry {
  const what = `${kind} ${t.hash}`;
  if (seen.has(t.hash)) fail(`${what} is listed twice`);
  seen.add(t.hash);
  const e = decodeOrFail(suite, t, kind);
  if (toHex(e.hash) !== t.hash) fail(`${what}: the transaction bytes hash to ${toHex(e.hash)}`);
  const block = blocks.get(t.blockNumber) ?? fail(`${what}: its block ${t.blockNumber} is not in the report`);
  // The Merkle checks `lingding verify-proof` does; the leaves are recomputed here, from the bytes.
  const txProof = verifyProofOffline({
    kind: 'transaction',
    blockNumber: t.blockNumber,
    blockHash: block.hash,
    root: block.header.txRoot,
    leaf: t.hash,
    proof: t.transactionProof,
  });
  if (!txProof.ok)
    fail(`${what}: the transaction proof fails against block ${t.blockNumber}'s txRoot: ${txProof.reason}`);
  const receiptProof = verifyProofOffline({
    kind: 'receipt',
    blockNumber: t.blockNumber,
    blockHash: block.hash,
    root: block.header.receiptRoot,
    leaf: t.receipt,
    proof: t.receiptProof,
  });
  if (!receiptProof.ok)
    fail(`${what}: the receipt proof fails against block ${t.blockNumber}'s receiptRoot: ${receiptProof.reason}`);
  if (t.transactionProof.index !== t.receiptProof.index)
    fail(`${what}: the transaction and receipt proofs are for different positions in the block`);
  if (t.record) checkRecord(suite, t, e);
  const expected = summarize(
    suite,
    r.pilot,
    e,
    block.header.timestamp,
    t.record ? fromHex(t.record.data) : null,
    r.alerts,
  );
  const field = (Object.keys(expected) as Array<keyof typeof expected>).find(
    (k) => JSON.stringify(expected[k]) !== JSON.stringify(t.summary[k]),
  );
  if (field)
    fail(
      `${what}: its summary's ${field} says ${JSON.stringify(t.summary[field])}, its bytes say ${JSON.stringify(expected[field])}`,
    );
  return e;
}

/** keccak256(salt ‖ record) must be the commitment of the transaction's envelope (decision 6). */
function checkRecord(suite: CryptoSuite, t: TxEntry, e: DecodedEntry): void {
  const commitment =
    envelopeCommitment(e) ??
    fail(`transaction ${t.hash}: the report gives a record, but the transaction carries no private record`);
  const got = recordCommitment(fromHex(t.record!.salt), fromHex(t.record!.data));
  if (!equalBytes(got, commitment))
    fail(
      `transaction ${t.hash}: the record does not match its commitment (keccak256(salt ‖ record) is ${toHex(got)}, the envelope commits to ${toHex(commitment)})`,
    );
}

/** The commitment of the transaction's private-record envelope (type 3), or null without one. */
function envelopeCommitment(e: DecodedEntry): Uint8Array | null {
  return e.tx.type === TxType.Private ? e.tx.envelope.commitment : null;
}

function checkCsv(r: Report, csv: string): void {
  const want = reportCsv(r).split('\r\n');
  const got = csv.split('\r\n');
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] === got[i]) continue;
    const row = i === 0 ? 'the header row' : `row ${i} (${r.transactions[i - 1]?.hash ?? 'not in the JSON'})`;
    fail(
      `the CSV does not match the JSON at ${row}: the CSV has ${JSON.stringify(got[i] ?? '')}, the JSON gives ${JSON.stringify(want[i] ?? '')}`,
    );
  }
}
