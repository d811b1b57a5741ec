import { fromHex, toHex, utf8 } from '../../node/codec/hex.js';
import { TxType } from '../../node/codec/tx.js';
import { createSuite } from '../../node/crypto/index.js';
import type { CryptoSuite, SuiteName } from '../../node/crypto/suite.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { NODE_ACTION_KINDS } from '../../node/exec/system/proposal-kinds.js';
import type { Result } from '../../node/rpc/schema.js';
import { RpcErrorCode } from '../../node/rpc/errors.js';
import { type RpcClient, RpcClientError } from '../client/rpc-client.js';
import {
  type Alert,
  type BlockEntry,
  type NodeListChange,
  REPORT_FORMAT,
  type Report,
  ReportError,
  ReportErrorCode,
  ReportSchema,
  serializeReport,
  type TxEntry,
} from './format.js';
import { concernsPilot, decodeEntry, summarize } from './summary.js';

/** The pilot as the registry describes it (getPilot): who and what a report is about. */
export type PilotSpec = Report['pilot'];

/** Where decrypted records and alerts come from: the regulator node's supervision, or nothing. */
export interface SupervisionSource {
  /** Said in the report: where records and alerts came from, or why there are none. */
  readonly description: string;
  record(txHash: string): Promise<{ salt: string; data: string } | null>;
  alerts(pilot: number, fromBlock: number, toBlock: number): Promise<Alert[]>;
}

/** For a node without supervision: the report lists transactions with no records or alerts. */
export function noSupervision(why: string): SupervisionSource {
  return { description: why, record: async () => null, alerts: async () => [] };
}

/**
 * Records and alerts from a regulator node (getSupervisedRecords, getAlerts), or none when
 * the node serves no supervision (-32601): the report then says so. Records are read once,
 * page by page, for the pilot from `fromBlock` on.
 */
export async function regulatorSource(
  client: RpcClient,
  pilot: number,
  fromBlock: number,
  url: string,
): Promise<SupervisionSource> {
  const records = new Map<string, { salt: string; data: string }>();
  try {
    let cursor: string | undefined;
    do {
      const page = await client.call('getSupervisedRecords', [{ pilot, fromBlock, ...(cursor ? { cursor } : {}) }]);
      for (const r of page.records)
        if (r.record?.data && r.record.salt) records.set(r.hash, { salt: r.record.salt, data: r.record.data });
      cursor = page.next ?? undefined;
    } while (cursor);
  } catch (e) {
    if (e instanceof RpcClientError && e.rpcCode === RpcErrorCode.MethodNotFound)
      return noSupervision(`none: ${url} is not a regulator node (no supervision section)`);
    throw e;
  }
  return {
    description: `the regulator node at ${url}`,
    record: async (txHash) => records.get(txHash) ?? null,
    async alerts(p, from, to) {
      const { alerts } = await client.call('getAlerts', [{ fromBlock: from, toBlock: to }]);
      return alerts
        .filter((a) => a.pilot === p)
        .map((a) => ({
          id: a.id,
          rule: a.rule,
          transactionHash: a.txHash,
          blockNumber: a.blockNumber,
          message: a.message,
        }));
    },
  };
}

export interface ReportRequest {
  readonly pilot: PilotSpec;
  readonly fromBlock: number;
  readonly toBlock: number;
  readonly supervision: SupervisionSource;
}

type RpcBlock = NonNullable<Result<'getBlockByNumber'>>;

/**
 * Builds the report of `pilot` over blocks [fromBlock, toBlock] from a node: every transaction
 * that concerns the pilot with its receipt, both inclusion proofs, its block's header and
 * commit certificate, its decrypted record and its alerts; and the governance transactions
 * that changed the validator set up to toBlock, so the verifier can follow the set from genesis.
 */
export async function buildReport(client: RpcClient, req: ReportRequest): Promise<Report> {
  const info = await client.call('getNodeInfo');
  const suite = createSuite(info.cryptoSuite as SuiteName);
  const head = await client.call('getBlockNumber');
  if (req.fromBlock > req.toBlock)
    throw new ReportError(
      ReportErrorCode.BadRange,
      `the range ends (${req.toBlock}) before it starts (${req.fromBlock})`,
    );
  if (req.toBlock > head)
    throw new ReportError(ReportErrorCode.BadRange, `block ${req.toBlock} is past the node's head ${head}`);
  const contracts = new Set(req.pilot.contracts);
  const blocks = new Map<number, BlockEntry>();
  const alerts = await req.supervision.alerts(req.pilot.id, req.fromBlock, req.toBlock);

  const entry = async (hash: string, block: RpcBlock): Promise<TxEntry> => {
    const [tp, rp] = await Promise.all([
      client.call('getTransactionProof', [hash]),
      client.call('getReceiptProof', [hash]),
    ]);
    if (!tp || !rp) throw new ReportError(ReportErrorCode.NodeCannotReport, `the node has no proof of ${hash}`);
    const decoded = decodeEntry(suite, fromHex(tp.transaction), fromHex(rp.leaf));
    const record = await req.supervision.record(hash);
    blocks.set(block.number, blockEntry(block));
    return {
      hash,
      blockNumber: block.number,
      transaction: tp.transaction,
      receipt: rp.leaf,
      transactionProof: tp.proof,
      receiptProof: rp.proof,
      record,
      summary: summarize(suite, req.pilot, decoded, block.timestamp, record ? fromHex(record.data) : null, alerts),
    };
  };

  const transactions: TxEntry[] = [];
  for (let n = req.fromBlock; n <= req.toBlock; n++) {
    const block = await fetchBlock(client, n);
    const hashes = block.transactions as string[];
    if (hashes.length === 0) continue;
    const receipts = await client.batch(hashes.map((h) => ({ method: 'getTransactionReceipt', params: [h] })));
    const txs = await client.batch(hashes.map((h) => ({ method: 'getTransactionByHash', params: [h] })));
    for (const [i, h] of hashes.entries()) {
      const r = receipts[i].result;
      if (!r) throw new ReportError(ReportErrorCode.NodeCannotReport, `the node has no receipt for ${h}`);
      // Private records (type 3) may be addressed anywhere: their envelope names the pilot.
      const touches =
        (r.to !== null && contracts.has(r.to)) ||
        r.logs.some((l) => contracts.has(l.address)) ||
        txs[i].result?.type === TxType.Private;
      if (!touches) continue;
      const e = await entry(h, block);
      // The receipt's `to` is the node's word; the entry's own bytes must say the same.
      if (!concernsPilot(req.pilot, decodeEntry(suite, fromHex(e.transaction), fromHex(e.receipt)))) continue;
      transactions.push(e);
    }
  }

  const { changes, governance } = await nodeListChanges(client, suite, req.toBlock, entry);
  const body: Report = {
    format: REPORT_FORMAT,
    chain: { chainId: info.chainId, genesisHash: info.genesisHash },
    pilot: req.pilot,
    range: { fromBlock: req.fromBlock, toBlock: req.toBlock },
    supervision: req.supervision.description,
    blocks: [...blocks.values()].sort((a, b) => a.header.number - b.header.number),
    transactions,
    governance,
    nodeListChanges: changes,
    alerts,
    contentHash: '0x',
  };
  const report = ReportSchema.parse(body);
  return { ...report, contentHash: contentHashOf(suite, report) };
}

/** keccak256 (the suite's hash) of the report as written with contentHash = 0x. */
export function contentHashOf(suite: CryptoSuite, r: Report): string {
  return toHex(suite.hash(utf8(serializeReport({ ...r, contentHash: '0x' }))));
}

async function fetchBlock(client: RpcClient, n: number): Promise<RpcBlock> {
  const b = await client.call('getBlockByNumber', [n, false]);
  if (!b) throw new ReportError(ReportErrorCode.BadRange, `block ${n} is not on the node`);
  if (!b.certificate)
    throw new ReportError(ReportErrorCode.NodeCannotReport, `block ${n} has no commit certificate on the node`);
  return b;
}

function blockEntry(b: RpcBlock): BlockEntry {
  return {
    hash: b.hash,
    header: {
      version: b.version,
      parentHash: b.parentHash,
      number: b.number,
      timestamp: b.timestamp,
      proposer: b.proposer,
      txRoot: b.transactionsRoot,
      receiptRoot: b.receiptsRoot,
      stateRoot: b.stateRoot,
      gasUsed: b.gasUsed,
      view: b.view,
    },
    certificate: b.certificate!,
  };
}

const COMMITTEE = toHex(SystemAddress.Committee);

/**
 * Every node admission executed up to `toBlock` (executed committee proposals of kinds
 * 10..13), each with the transaction that created it (its ProposalCreated log carries the
 * kind and payload) and the one that executed it (ProposalExecuted), as report entries.
 */
async function nodeListChanges(
  client: RpcClient,
  suite: CryptoSuite,
  toBlock: number,
  entry: (hash: string, block: RpcBlock) => Promise<TxEntry>,
): Promise<{ changes: NodeListChange[]; governance: TxEntry[] }> {
  const changes: NodeListChange[] = [];
  const governance = new Map<string, TxEntry>();
  const created = toHex(suite.hash(utf8('ProposalCreated(uint64,address,uint8,bytes,uint64)')));
  const executed = toHex(suite.hash(utf8('ProposalExecuted(uint64)')));
  let from: number | undefined;
  const found: Array<{
    id: number;
    type: NodeListChange['action'];
    nodeId: string;
    createdAt: number;
    endedAt: number;
  }> = [];
  do {
    const page = await client.call('getProposals', [{ status: 'executed', ...(from ? { from } : {}) }]);
    for (const p of page.proposals) {
      const a = p.action;
      if (!(NODE_ACTION_KINDS as readonly string[]).includes(a.type) || !('nodeId' in a)) continue;
      if (p.endedAt === null || p.endedAt > toBlock) continue;
      found.push({
        id: p.id,
        type: a.type as NodeListChange['action'],
        nodeId: a.nodeId,
        createdAt: p.createdAt,
        endedAt: p.endedAt,
      });
    }
    from = page.next ?? undefined;
  } while (from !== undefined);
  found.sort((a, b) => a.endedAt - b.endedAt || a.id - b.id);
  for (const f of found) {
    const c = await committeeTx(client, f.createdAt, created, f.id);
    const x = await committeeTx(client, f.endedAt, executed, f.id);
    for (const [hash, block] of [c, x]) if (!governance.has(hash)) governance.set(hash, await entry(hash, block));
    changes.push({ proposalId: f.id, action: f.type, nodeId: f.nodeId, createdIn: c[0], executedIn: x[0] });
  }
  const inChainOrder = [...governance.values()].sort(
    (a, b) => a.blockNumber - b.blockNumber || a.transactionProof.index - b.transactionProof.index,
  );
  return { changes, governance: inChainOrder };
}

/** The transaction of block `n` whose receipt carries the committee event `topic` for proposal `id`. */
async function committeeTx(client: RpcClient, n: number, topic: string, id: number): Promise<[string, RpcBlock]> {
  const block = await fetchBlock(client, n);
  const idTopic = toHex(fromHex(`0x${id.toString(16).padStart(64, '0')}`));
  for (const h of block.transactions as string[]) {
    const r = await client.call('getTransactionReceipt', [h]);
    const hit = r?.logs.some((l) => l.address === COMMITTEE && l.topics[0] === topic && l.topics[1] === idTopic);
    if (hit) return [h, block];
  }
  throw new ReportError(
    ReportErrorCode.NodeCannotReport,
    `no transaction of block ${n} carries the committee event of proposal ${id}`,
  );
}

/**
 * A range bound as the CLI takes it: a block number, or an ISO date resolved against block
 * timestamps (from: the first block at or after it; to: the last block before it).
 */
export async function resolveBound(client: RpcClient, bound: string, side: 'from' | 'to'): Promise<number> {
  // Block 0 is genesis: no transactions and no certificate, so a range starts at 1 at the earliest.
  if (/^[0-9]{1,15}$/.test(bound)) return Math.max(1, Number(bound));
  const ms = Date.parse(bound);
  if (!/^\d{4}-\d{2}-\d{2}/.test(bound) || Number.isNaN(ms))
    throw new ReportError(ReportErrorCode.BadRange, `--${side} must be a block number or an ISO date, not '${bound}'`);
  const head = await client.call('getBlockNumber');
  const time = async (n: number) => (await fetchBlock(client, n)).timestamp;
  // The first block with timestamp >= ms (block times never run backwards), or head + 1.
  let lo = 0;
  let hi = head + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((await time(mid)) >= ms) hi = mid;
    else lo = mid + 1;
  }
  if (side === 'from') {
    if (lo > head) throw new ReportError(ReportErrorCode.BadRange, `no block at or after ${bound} yet`);
    return Math.max(1, lo);
  }
  if (lo === 0) throw new ReportError(ReportErrorCode.BadRange, `no block before ${bound}`);
  return lo - 1;
}

/** The pilot as the node's registry describes it (getPilot, a public method). */
export async function fetchPilot(client: RpcClient, id: number): Promise<PilotSpec> {
  const p = await client.call('getPilot', [id]);
  if (p === null) throw new ReportError(ReportErrorCode.BadRange, `there is no pilot ${id}`);
  const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
  return {
    id: p.id,
    name: p.name,
    institutions: lower(p.institutions),
    contracts: lower(p.contracts),
    jurisdictions: p.jurisdictions,
  };
}
