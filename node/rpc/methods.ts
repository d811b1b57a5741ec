import type { ChainView, PilotView } from '../chain/view.js';
import { type Block, type Receipt, receiptLeaf } from '../codec/block.js';
import { hexKey, toHex } from '../codec/hex.js';
import { encodeTx, txHash, txSignature, type Transaction } from '../codec/tx.js';
import type { CryptoSuite } from '../crypto/suite.js';
import {
  PILOT_STATUS_NAMES,
  pilotSpecJson,
  ACCOUNT_STATUS_NAMES,
  ACL_MODE_NAMES,
  actionJson,
  CONTRACT_STATUS_NAMES,
  type Decision,
  DEPLOY_POLICY_NAMES,
  DeployPolicy,
  decodeProposal,
  type Proposal,
  PROPOSAL_STATUS_NAMES,
  ProposalStatus,
  statusAt,
  tally,
} from '../exec/system/index.js';
import type { ConsensusEngine } from '../engine/engine.js';
import { merkleProof } from '../ledger/merkle.js';
import { TxRejectedError } from '../txpool/errors.js';
import type { PoolEntry, TxPool } from '../txpool/pool.js';
import type { CallQueue } from './call-queue.js';
import { invalidParams, RpcError, RpcErrorCode } from './errors.js';
import type { FilterRegistry } from './eth/filters.js';
import { ETH_METHODS, type EthLimits } from './eth/methods.js';
import type { SubscriptionSession } from './ws/hub.js';
import { blockJson, receiptJson, STATUS_TEXT, txJson } from './json.js';
import {
  MAX_PERMISSION_ENTRIES,
  MAX_PROPOSALS_SCANNED,
  type MethodName,
  type ParsedParams,
  parseParams,
  type Result,
} from './schema.js';

/** What the RPC needs from the node. */
export interface RpcBackend {
  readonly chain: ChainView;
  readonly pool: TxPool;
  readonly engine: ConsensusEngine;
  readonly suite: CryptoSuite;
  readonly nodeId: Uint8Array;
  readonly role: 'sealer' | 'observer';
  readonly version: string;
  /** Admits a transaction to the pool and passes it on (engine, peers). */
  submitTransaction(raw: Uint8Array): Promise<PoolEntry>;
  /** Connected peers (empty for a node without networking). */
  peers(): Array<{ nodeId: string; address: string; direction: string }>;
  /** Block sync progress; for a node without networking, just its height. */
  syncStatus(): { blockNumber: number; highestPeerBlock: number; syncing: boolean };
  /** Resolves when the transaction is committed; rejects after `timeoutMs`. */
  waitForCommit(hashHex: string, timeoutMs: number): Promise<CommittedTx>;
}

/** A transaction's place in a block just committed (still in memory). */
export interface CommittedTx {
  readonly executed: { readonly block: Block; readonly hash: Uint8Array; readonly receipts: readonly Receipt[] };
  readonly index: number;
}

/**
 * What the server lends a method besides the node: its queue of read-only calls, the eth
 * filters and limits, and over WebSocket the connection's subscriptions (absent over HTTP,
 * which cannot carry notifications).
 */
export interface MethodContext {
  readonly calls: CallQueue;
  readonly filters: FilterRegistry;
  readonly eth: EthLimits;
  readonly subscriptions?: SubscriptionSession;
}

export type Handler<M extends MethodName> = (
  params: ParsedParams<M>,
  backend: RpcBackend,
  ctx: MethodContext,
) => Result<M> | Promise<Result<M>>;

const WAIT_TIMEOUT_MS = 60_000;

/** FISCO-style method names; params and results are defined in schema.ts. */
export const RPC_METHODS: { readonly [M in MethodName]: Handler<M> } = {
  getBlockNumber: (_p, b) => b.chain.head.number,

  getBlockByNumber: ([n, full], b) => blockByNumber(b, resolveHeight(b, n), full),

  async getBlockByHash([hash, full], b) {
    const n = await b.chain.getBlockNumberByHash(hash);
    if (n === null) return null;
    return blockByNumber(b, n, full);
  },

  async getBlockHashByNumber([n], b) {
    const h = await b.chain.getBlockHash(resolveHeight(b, n));
    return h ? toHex(h) : null;
  },

  async getTransactionByHash([hash], b) {
    const found = await committedTx(b, hash);
    if (found) return txJson(found.tx, hash, sender(b, found.tx), found.at);
    const pending = b.pool.get(hexKey(hash));
    return pending ? txJson(pending.tx, hash, pending.sender, null) : null;
  },

  getTransactionReceipt: ([hash], b) => receiptFor(b, hash),

  async sendTransaction([raw, wait], b) {
    let entry: PoolEntry;
    try {
      entry = await b.submitTransaction(raw);
    } catch (e) {
      if (e instanceof TxRejectedError) throw new RpcError(RpcErrorCode.TxRejected, e.message, { reason: e.code });
      throw e;
    }
    if (!wait) return { transactionHash: toHex(entry.hash) };
    let committed: CommittedTx;
    try {
      committed = await b.waitForCommit(entry.hashHex, WAIT_TIMEOUT_MS);
    } catch {
      throw new RpcError(
        RpcErrorCode.Timeout,
        `transaction ${toHex(entry.hash)} was not committed within ${WAIT_TIMEOUT_MS} ms; it may still be`,
        {
          transactionHash: toHex(entry.hash),
        },
      );
    }
    // Built from the block in memory: re-reading a large block from disk for each of its
    // transactions would make a batch of waits quadratic.
    const { executed, index } = committed;
    const at = { blockNumber: executed.block.header.number, blockHash: executed.hash, index };
    return receiptJson(executed.receipts[index], entry.hash, at, entry.tx, entry.sender);
  },

  async call([req], _b, ctx) {
    const { receipt: out, blockNumber } = await ctx.calls.run(
      req.from ?? new Uint8Array(20),
      req.to,
      req.data ?? new Uint8Array(),
    );
    return {
      status: out.status,
      statusText: STATUS_TEXT[out.status],
      output: toHex(out.output),
      message: out.message,
      gasUsed: out.gasUsed,
      blockNumber,
    };
  },

  getCode([address], b) {
    const code = b.chain.contractCode(address);
    return code ? toHex(code.wasm) : null;
  },

  getAbi([address], b) {
    const code = b.chain.contractCode(address);
    return code ? code.abi : null;
  },

  getPendingTxSize: (_p, b) => b.pool.size,

  getTotalTransactionCount: (_p, b) => ({ blockNumber: b.chain.head.number, txSum: b.chain.head.totalTxs }),

  getSystemConfigByKey([key], b) {
    const e = b.chain.systemConfigEntry(key);
    if (!e) throw new RpcError(RpcErrorCode.NotFound, `unknown system config key '${key}'`);
    return { value: e.value, blockNumber: e.enableNumber };
  },

  async getTransactionProof([hash], b) {
    const found = await committedTx(b, hash);
    if (!found) return null;
    const hashes = found.block.transactions.map((t) => txHash(b.suite, t));
    const proof = merkleProof(hashFn(b), hashes, found.at.index);
    return {
      blockNumber: found.at.blockNumber,
      blockHash: toHex(found.at.blockHash),
      root: toHex(found.block.header.txRoot),
      leaf: toHex(hash),
      transaction: toHex(encodeTx(found.tx)),
      proof: proofJson(proof),
    };
  },

  async getReceiptProof([hash], b) {
    const found = await committedTx(b, hash);
    if (!found) return null;
    const receipts = (await b.chain.getReceipts(found.at.blockNumber))!;
    const hashes = found.block.transactions.map((t) => txHash(b.suite, t));
    const leaves = receipts.map((r, i) => receiptLeaf(hashes[i], r));
    const proof = merkleProof(hashFn(b), leaves, found.at.index);
    return {
      blockNumber: found.at.blockNumber,
      blockHash: toHex(found.at.blockHash),
      root: toHex(found.block.header.receiptRoot),
      leaf: toHex(leaves[found.at.index]),
      proof: proofJson(proof),
    };
  },

  getNodeInfo: (_p, b) => ({
    nodeId: toHex(b.nodeId).slice(2),
    role: b.role,
    chainId: b.chain.chainId,
    cryptoSuite: b.suite.name,
    genesisHash: toHex(b.chain.genesisHash),
    blockNumber: b.chain.head.number,
    consensus: b.engine.name,
    version: b.version,
  }),

  getSealerList: (_p, b) =>
    b.chain
      .consensusNodes()
      .filter((n) => n.role === 'sealer')
      .map((n) => ({ nodeId: hexKey(n.nodeId) })),

  getObserverList: (_p, b) =>
    b.chain
      .consensusNodes()
      .filter((n) => n.role === 'observer')
      .map((n) => ({ nodeId: hexKey(n.nodeId), regulator: n.regulator })),

  getCommittee: (_p, b) => {
    const { members, rules, proposalCount } = b.chain.committee();
    return {
      members: members.map((m) => ({ address: toHex(m.address), weight: m.weight })),
      totalWeight: members.reduce((s, m) => s + m.weight, 0),
      ...rules,
      proposalCount,
      blockNumber: b.chain.head.number,
    };
  },

  getProposal([id], b) {
    const p = b.chain.proposal(id);
    return p ? proposalJson(b, p) : null;
  },

  getProposals([query], b) {
    const { proposalCount } = b.chain.committee();
    const count = query.count ?? 20;
    const proposals: ReturnType<typeof proposalJson>[] = [];
    // Newest first; at most MAX_PROPOSALS_SCANNED ids per call, so a filter that matches
    // little cannot make one call read the whole history: `next` says where to go on.
    let id = Math.min(query.from ?? proposalCount, proposalCount);
    const stop = Math.max(0, id - MAX_PROPOSALS_SCANNED);
    for (; id > stop && proposals.length < count; id--) {
      const p = b.chain.proposal(id);
      if (!p) continue;
      const json = proposalJson(b, p);
      if (!query.status || json.status === query.status) proposals.push(json);
    }
    return { proposals, next: id > 0 ? id : null };
  },

  getPermissions: (_p, b) => permissionsJson(b),

  getPilot([id], b) {
    const v = b.chain.pilot(id);
    return v ? pilotJson(v) : null;
  },

  getPilots([query], b) {
    const count = query.count ?? 20;
    const pilots: ReturnType<typeof pilotJson>[] = [];
    // Newest first, as getProposals; at most MAX_PROPOSALS_SCANNED ids per call.
    let id = Math.min(query.from ?? b.chain.pilotCount(), b.chain.pilotCount());
    const stop = Math.max(0, id - MAX_PROPOSALS_SCANNED);
    for (; id > stop && pilots.length < count; id--) {
      const v = b.chain.pilot(id);
      if (!v) continue;
      const json = pilotJson(v);
      if (!query.status || json.status === query.status) pilots.push(json);
    }
    return { pilots, next: id > 0 ? id : null };
  },

  getConsensusStatus: (_p, b) => b.engine.status(),

  getPbftView: (_p, b) => {
    const v = b.engine.pbftView();
    if (!v) throw new RpcError(RpcErrorCode.NotFound, `this node runs the '${b.engine.name}' engine, not pbft`);
    return { ...v };
  },

  getSyncStatus: (_p, b) => b.syncStatus(),

  getPeers: (_p, b) => b.peers(),

  ...ETH_METHODS,
  eth_subscribe([name, filter], _b, ctx) {
    const session = subscriptionsOf(ctx, 'eth_subscribe');
    if (filter && name !== 'logs') throw invalidParams(`eth_subscribe: only 'logs' takes a filter, not '${name}'`);
    return session.subscribe('eth', name, name === 'logs' ? (filter ?? { addresses: [], topics: [] }) : undefined);
  },

  eth_unsubscribe: ([id], _b, ctx) => subscriptionsOf(ctx, 'eth_unsubscribe').unsubscribe('eth', id),

  subscribe: ([channel], _b, ctx) => subscriptionsOf(ctx, 'subscribe').subscribe('lingding', channel),

  unsubscribe: ([id], _b, ctx) => subscriptionsOf(ctx, 'unsubscribe').unsubscribe('lingding', id),
};

/** The connection's subscriptions; over HTTP, geth's refusal (with where to go instead). */
function subscriptionsOf(ctx: MethodContext, method: string): SubscriptionSession {
  if (ctx.subscriptions) return ctx.subscriptions;
  throw new RpcError(
    RpcErrorCode.MethodNotFound,
    `notifications not supported: ${method} needs a WebSocket connection (ws:// on the RPC port)`,
  );
}

/**
 * Runs a method by name: params are validated against its schema first (a -32602 error
 * naming the parameter), then the method runs.
 */
export async function runMethod(
  name: MethodName,
  params: unknown[],
  backend: RpcBackend,
  ctx: MethodContext,
): Promise<unknown> {
  const parsed = parseParams(name, params);
  // One handler per name: TypeScript cannot tie `parsed` to `RPC_METHODS[name]` for a union name.
  const handler = RPC_METHODS[name] as (p: unknown, b: RpcBackend, c: MethodContext) => unknown;
  return handler(parsed, backend, ctx);
}

/** What the committee and each regulator may do, as getPermissions states it. */
const COMMITTEE_POWERS = [
  'change system config, committee members and voting rules (proposal)',
  'freeze, unfreeze and abolish accounts (proposal)',
  'set the deploy policy and the deployer allow-list (proposal)',
  'freeze and unfreeze contracts, set any method ACL (proposal)',
];
const REGULATOR_POWERS = [
  'freeze an account at once (AccountManager.freezeAccount)',
  'freeze a contract at once (ContractAuth.freezeContract)',
];

function pilotJson({ pilot: p, supervisors }: PilotView): NonNullable<Result<'getPilot'>> {
  return {
    id: p.id,
    ...pilotSpecJson(p),
    status: PILOT_STATUS_NAMES[p.status],
    reason: p.reason,
    registeredAt: p.registeredAt,
    lastChange: decisionJson(p.changed),
    supervisingRegulators: supervisors.map((r) => ({
      account: toHex(r.account),
      name: r.name,
      jurisdiction: r.jurisdiction,
      keyId: r.keyId ? toHex(r.keyId) : null,
    })),
  };
}

function decisionJson(d: Decision) {
  return {
    setBy: toHex(d.setBy),
    blockNumber: d.block,
    proposalId: d.proposalId > 0 ? d.proposalId : null,
    transactionHash: d.txHash.length > 0 ? toHex(d.txHash) : null,
  };
}

/**
 * Who may do what in the head state. Lists are cut at MAX_PERMISSION_ENTRIES; for members
 * and rules, the proposal that last set them is found among the newest
 * MAX_PROPOSALS_SCANNED proposals (null: genesis, or older).
 */
function permissionsJson(b: RpcBackend): Result<'getPermissions'> {
  const { members, rules, proposalCount } = b.chain.committee();
  const p = b.chain.permissions(MAX_PERMISSION_ENTRIES);
  const memberSet = new Map<string, { proposalId: number; blockNumber: number }>();
  let rulesSet: { proposalId: number; blockNumber: number } | null = null;
  for (let id = proposalCount; id > Math.max(0, proposalCount - MAX_PROPOSALS_SCANNED); id--) {
    const prop = b.chain.proposal(id);
    if (!prop || prop.status !== ProposalStatus.Executed) continue;
    const action = decodeProposal(prop.kind, prop.payload);
    const at = { proposalId: id, blockNumber: prop.endedAt };
    if (action.kind === 'updateCommitteeMember' && !memberSet.has(hexKey(action.member)))
      memberSet.set(hexKey(action.member), at);
    if (action.kind === 'setVotingRules') rulesSet ??= at;
  }
  const list = <T, U>(c: { total: number; entries: readonly T[] }, f: (t: T) => U) => ({
    total: c.total,
    entries: c.entries.map(f),
  });
  return {
    blockNumber: b.chain.head.number,
    committee: {
      members: members.map((m) => ({
        address: toHex(m.address),
        weight: m.weight,
        proposalId: memberSet.get(hexKey(m.address))?.proposalId ?? null,
        blockNumber: memberSet.get(hexKey(m.address))?.blockNumber ?? null,
      })),
      ...rules,
      rulesProposalId: rulesSet?.proposalId ?? null,
      rulesBlockNumber: rulesSet?.blockNumber ?? null,
      powers: COMMITTEE_POWERS,
    },
    regulators: p.regulators.map((r) => ({
      name: r.name,
      jurisdiction: r.jurisdiction,
      account: toHex(r.account),
      powers: REGULATOR_POWERS,
    })),
    deployPolicy: {
      mode: DEPLOY_POLICY_NAMES[p.deployPolicy?.mode ?? DeployPolicy.Open],
      setAt: p.deployPolicy ? decisionJson(p.deployPolicy) : null,
    },
    deployers: list(p.deployers, (d) => ({ account: toHex(d.account), ...decisionJson(d) })),
    restrictedAccounts: list(p.restrictedAccounts, (r) => ({
      account: toHex(r.account),
      status: ACCOUNT_STATUS_NAMES[r.status],
      reason: r.reason,
      ...decisionJson(r),
    })),
    frozenContracts: list(p.frozenContracts, (r) => ({
      contract: toHex(r.contract),
      status: CONTRACT_STATUS_NAMES[r.status],
      reason: r.reason,
      ...decisionJson(r),
    })),
    methodAcls: list(p.methodAcls, (a) => ({
      contract: toHex(a.contract),
      selector: toHex(a.selector),
      admin: a.admin ? toHex(a.admin) : null,
      mode: ACL_MODE_NAMES[a.mode],
      accounts: a.accounts.map(toHex),
      ...decisionJson(a),
    })),
  };
}

/** A proposal as the next block's transactions would find it. */
function proposalJson(b: RpcBackend, p: Proposal) {
  const { members, rules } = b.chain.committee();
  const t = tally(p.votes, members, rules);
  return {
    id: p.id,
    kind: p.kind,
    action: actionJson(decodeProposal(p.kind, p.payload)),
    proposer: toHex(p.proposer),
    createdAt: p.createdAt,
    expiresAt: p.expiresAt,
    status: PROPOSAL_STATUS_NAMES[statusAt(p, b.chain.head.number + 1)],
    endedAt: p.endedAt === 0 ? null : p.endedAt,
    votes: p.votes.map((v) => ({ voter: toHex(v.voter), agree: v.agree, blockNumber: v.block })),
    regulatorConsent: p.consent ? { regulator: toHex(p.consent.regulator), blockNumber: p.consent.block } : null,
    forWeight: t.forWeight,
    againstWeight: t.againstWeight,
    totalWeight: t.totalWeight,
  };
}

function resolveHeight(b: RpcBackend, n: number | 'latest'): number {
  return n === 'latest' ? b.chain.head.number : n;
}

function hashFn(b: RpcBackend) {
  return (x: Uint8Array) => b.suite.hash(x);
}

function proofJson(p: { index: number; leafCount: number; siblings: Uint8Array[] }) {
  return { index: p.index, leafCount: p.leafCount, siblings: p.siblings.map(toHex) };
}

/** A block as getBlockByNumber answers it, or null past the head. */
export async function blockByNumber(b: RpcBackend, n: number, full: boolean) {
  const stored = await b.chain.getBlock(n);
  if (!stored) return null;
  const txHashes = stored.block.transactions.map((t) => txHash(b.suite, t));
  const senders = full ? stored.block.transactions.map((t) => sender(b, t) ?? new Uint8Array(20)) : undefined;
  return blockJson(stored.block, stored.hash, stored.certificate, txHashes, full, senders);
}

async function committedTx(b: RpcBackend, hash: Uint8Array) {
  const loc = await b.chain.getTxLocation(hash);
  if (!loc) return null;
  const stored = await b.chain.getBlock(loc.blockNumber);
  if (!stored) return null;
  const tx = stored.block.transactions[loc.index];
  return { tx, block: stored.block, at: { blockNumber: loc.blockNumber, blockHash: stored.hash, index: loc.index } };
}

async function receiptFor(b: RpcBackend, hash: Uint8Array) {
  const found = await committedTx(b, hash);
  if (!found) return null;
  const receipts = await b.chain.getReceipts(found.at.blockNumber);
  const r = receipts?.[found.at.index];
  if (!r) return null;
  return receiptJson(r, hash, found.at, found.tx, sender(b, found.tx));
}

function sender(b: RpcBackend, tx: Transaction): Uint8Array | null {
  const { digest, signature } = txSignature(b.suite, tx);
  const pub = b.suite.recoverSigner(digest, signature);
  return pub ? b.suite.addressFromPublicKey(pub) : null;
}
