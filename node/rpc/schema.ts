import { z } from 'zod';
import { hexAddress, hexBytes } from './params.js';
import { toHex } from '../codec/hex.js';
import { PROPOSAL_STATUS_NAMES } from '../exec/system/committee-state.js';
import {
  ACCOUNT_STATUS_NAMES,
  ACL_MODE_NAMES,
  CONTRACT_STATUS_NAMES,
  DEPLOY_POLICY_NAMES,
} from '../exec/system/permissions-state.js';
import { NODE_ACTION_KINDS } from '../exec/system/proposal-kinds.js';
import { PILOT_STATUS_NAMES } from '../exec/system/pilot-state.js';
import { invalidParams, type RpcError } from './errors.js';
import { ETH_SCHEMA } from './eth/schema.js';

/**
 * Every JSON-RPC method, defined once: its positional params (a zod tuple whose elements
 * parse the wire form into what the server works with, each named by `.describe`) and
 * its result (the JSON the server returns). The server validates with `params` and must
 * return `Result<M>`; the client takes `Params<M>` and gives back `Result<M>`;
 * docs/jsonrpc.md is checked against the names here (schema.test.ts).
 *
 * Results are strict objects so that the conformance tests catch a field added or lost;
 * the client does not parse them (a newer node may add fields).
 */

// --- params: each failure message names the parameter ---

const bytesParam = (name: string) => hexBytes(name).describe(name);
const hashParam = (name: string) => hexBytes(name, 32).describe(name);

const addressParam = hexAddress;

/** An optional flag, false when absent or null. */
const flagParam = (name: string) =>
  z
    .boolean({ error: `${name} must be true or false` })
    .nullish()
    .transform((v) => v ?? false)
    .describe(name);

const BLOCK_NUMBER_ERROR = 'blockNumber must be a non-negative integer, a 0x-hex quantity or "latest"';
/** A height: a JSON number, a decimal or 0x-hex string, or "latest" (resolved by the method). */
const blockNumberParam = z
  .union([z.number(), z.string()], { error: BLOCK_NUMBER_ERROR })
  .transform((v, ctx): number | 'latest' => {
    if (v === 'latest') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^(0x[0-9a-fA-F]{1,13}|[0-9]{1,15})$/.test(v)) return Number(v);
    ctx.addIssue({ code: 'custom', message: BLOCK_NUMBER_ERROR });
    return z.NEVER;
  })
  .describe('blockNumber');

const callRequestParam = z
  .object(
    { to: addressParam('to'), data: bytesParam('data').optional(), from: addressParam('from').optional() },
    { error: 'request must be an object {to, data?, from?}' },
  )
  .describe('request');

/** Most proposals one getProposals call answers, and most ids it looks at to find them. */
export const MAX_PROPOSALS_PER_CALL = 100;
export const MAX_PROPOSALS_SCANNED = 1000;

const proposalIdParam = z
  .number({ error: 'id must be a proposal id (a positive integer)' })
  .int({ error: 'id must be a proposal id (a positive integer)' })
  .min(1, { error: 'id must be a proposal id (a positive integer)' })
  .describe('id');

const pilotIdParam = z
  .number({ error: 'id must be a pilot id (a positive integer)' })
  .int({ error: 'id must be a pilot id (a positive integer)' })
  .min(1, { error: 'id must be a pilot id (a positive integer)' })
  .describe('id');

/** Most pilots one getPilots call answers. */
export const MAX_PILOTS_PER_CALL = 100;

const pilotQueryParam = z
  .strictObject(
    {
      status: z
        .enum(PILOT_STATUS_NAMES, { error: `status must be one of ${PILOT_STATUS_NAMES.join(', ')}` })
        .optional(),
      from: z.number({ error: 'from must be a pilot id' }).int().min(1).optional(),
      count: z
        .number({ error: `count must be 1..${MAX_PILOTS_PER_CALL}` })
        .int()
        .min(1)
        .max(MAX_PILOTS_PER_CALL, { error: `count must be 1..${MAX_PILOTS_PER_CALL}` })
        .optional(),
    },
    { error: 'query must be an object {status?, from?, count?}' },
  )
  .nullish()
  .transform((q) => q ?? {})
  .describe('query');

const proposalQueryParam = z
  .strictObject(
    {
      status: z
        .enum(PROPOSAL_STATUS_NAMES, { error: `status must be one of ${PROPOSAL_STATUS_NAMES.join(', ')}` })
        .optional(),
      from: z.number({ error: 'from must be a proposal id' }).int().min(1).optional(),
      count: z
        .number({ error: `count must be 1..${MAX_PROPOSALS_PER_CALL}` })
        .int()
        .min(1)
        .max(MAX_PROPOSALS_PER_CALL, { error: `count must be 1..${MAX_PROPOSALS_PER_CALL}` })
        .optional(),
    },
    { error: 'query must be an object {status?, from?, count?}' },
  )
  .nullish()
  .transform((q) => q ?? {})
  .describe('query');

/** What eth_subscribe can subscribe to (the hub refuses any other name, naming these). */
const ethSubscriptionParam = z.string({ error: 'subscription must be a string' }).describe('subscription');

/** One topic position of a log filter: null (any), a topic, or an OR-list (a null in it: any). */
const topicPositionParam = z
  .union([z.null(), hexBytes('topic', 32), z.array(z.union([z.null(), hexBytes('topic', 32)]))], {
    error: 'each topic must be null, a 32-byte hex string or an array of them',
  })
  .transform((t): string[] | null => {
    if (t === null) return null;
    if (!Array.isArray(t)) return [toHex(t)];
    return t.some((x) => x === null) ? null : (t as Uint8Array[]).map(toHex);
  });

/**
 * geth's log filter for `eth_subscribe('logs', filter)`: address one or many, topics by
 * position. A subscription delivers new logs only, so fromBlock/toBlock (which some tools
 * send along) are accepted and ignored, as geth does.
 */
const logFilterParam = z
  .strictObject(
    {
      address: z.union([addressParam('address'), z.array(addressParam('address'))]).nullish(),
      topics: z.array(topicPositionParam).max(4, { error: 'topics has at most 4 positions' }).nullish(),
      fromBlock: z.unknown().optional(),
      toBlock: z.unknown().optional(),
    },
    { error: 'filter must be an object {address?, topics?}' },
  )
  .transform((f) => ({
    addresses: f.address == null ? [] : (Array.isArray(f.address) ? f.address : [f.address]).map(toHex),
    topics: f.topics ?? [],
  }))
  .optional()
  .describe('filter');

const subscriptionIdParam = z.string({ error: 'subscriptionId must be a string' }).describe('subscriptionId');

// --- results ---

const hex = z.string().regex(/^0x[0-9a-f]*$/);
const uint = z.number().int().min(0);
const int = z.number().int();

const txResult = z.strictObject({
  hash: hex,
  type: uint,
  chainId: z.string(),
  nonce: hex,
  blockLimit: uint,
  from: hex.nullable(),
  to: hex.nullable(),
  input: hex,
  gasLimit: uint,
  signature: hex,
  blockNumber: uint.nullable(),
  blockHash: hex.nullable(),
  transactionIndex: uint.nullable(),
  /** A type-3 transaction's private record (its envelope as canonical bytes); null for other types. */
  privateRecord: z
    .strictObject({ pilotId: uint.min(1), commitment: hex, recipients: z.array(hex), envelope: hex })
    .nullable(),
});

const blockResult = z.strictObject({
  number: uint,
  hash: hex,
  parentHash: hex,
  timestamp: uint,
  proposer: int,
  view: uint,
  transactionsRoot: hex,
  receiptsRoot: hex,
  stateRoot: hex,
  gasUsed: uint,
  version: uint,
  transactionCount: uint,
  /** Hashes, or transaction objects with includeTransactions. */
  transactions: z.union([z.array(hex), z.array(txResult)]),
  certificate: z
    .strictObject({ view: uint, signatures: z.array(z.strictObject({ index: uint, signature: hex })) })
    .nullable(),
});

const receiptResult = z.strictObject({
  transactionHash: hex,
  blockNumber: uint,
  blockHash: hex,
  transactionIndex: uint,
  from: hex.nullable(),
  to: hex.nullable(),
  status: uint,
  statusText: z.string(),
  message: z.string(),
  gasUsed: uint,
  output: hex,
  contractAddress: hex.nullable(),
  logs: z.array(z.strictObject({ logIndex: uint, address: hex, topics: z.array(hex), data: hex })),
});

const submittedResult = z.strictObject({ transactionHash: hex });

const merkleProofResult = z.strictObject({ index: uint, leafCount: uint, siblings: z.array(hex) });

const pbftPhase = z.enum(['idle', 'voting', 'view-change', 'decided']);
const pbftViewResult = z.strictObject({
  height: uint,
  view: uint,
  phase: pbftPhase,
  leader: int,
  leaderNodeId: z.string().nullable(),
});

const consensusStatusResult = z.discriminatedUnion('engine', [
  z.strictObject({ engine: z.literal('solo'), sealing: z.boolean(), lastSealAt: uint }),
  z.strictObject({
    engine: z.literal('pbft'),
    height: uint,
    view: uint,
    phase: pbftPhase,
    leader: int,
    leaderNodeId: z.string().nullable(),
    index: int,
    role: z.enum(['sealer', 'observer']),
    validators: uint,
    faultTolerance: uint,
    droppedMessages: uint,
    buffered: uint,
  }),
]);

/** A pilot's spec (design decision 1): uint256 limits as decimal strings. */
const pilotSpecFields = {
  name: z.string(),
  institutions: z.array(hex),
  contracts: z.array(hex),
  jurisdictions: z.array(z.string()),
  startMs: uint,
  endMs: uint,
  limits: z.strictObject({
    perTxCap: z.string(),
    dailyCap: z.string(),
    hard: z.strictObject({ perTxCap: z.boolean(), dailyCap: z.boolean(), participants: z.boolean() }),
  }),
};

const proposalResult = z.strictObject({
  id: uint,
  kind: uint,
  action: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('setSystemConfig'), key: z.string(), value: z.string() }),
    z.strictObject({ type: z.literal('updateCommitteeMember'), member: hex, weight: uint }),
    z.strictObject({
      type: z.literal('setVotingRules'),
      participationPercent: uint,
      approvalPercent: uint,
      proposalLifetimeBlocks: uint,
    }),
    ...(['freezeAccount', 'unfreezeAccount', 'abolishAccount'] as const).map((t) =>
      z.strictObject({ type: z.literal(t), account: hex, reason: z.string() }),
    ),
    z.strictObject({ type: z.literal('setDeployPolicy'), mode: z.enum(DEPLOY_POLICY_NAMES) }),
    ...(['allowDeployer', 'disallowDeployer'] as const).map((t) =>
      z.strictObject({ type: z.literal(t), account: hex }),
    ),
    ...(['freezeContract', 'unfreezeContract'] as const).map((t) =>
      z.strictObject({ type: z.literal(t), contract: hex, reason: z.string() }),
    ),
    z.strictObject({
      type: z.literal('setMethodAcl'),
      contract: hex,
      selector: hex,
      mode: z.enum(ACL_MODE_NAMES),
      accounts: z.array(hex),
    }),
    z.strictObject({
      type: z.enum(NODE_ACTION_KINDS),
      nodeId: hex,
    }),
    z.strictObject({ type: z.literal('registerPilot'), ...pilotSpecFields }),
    z.strictObject({ type: z.literal('updatePilot'), id: uint, ...pilotSpecFields }),
    z.strictObject({ type: z.literal('exitPilot'), id: uint, reason: z.string() }),
    z.strictObject({ type: z.literal('setSupervisionKey'), regulator: hex, publicKey: hex }),
  ]),
  proposer: hex,
  createdAt: uint,
  expiresAt: uint,
  /** As a transaction of the next block would find it. */
  status: z.enum(PROPOSAL_STATUS_NAMES),
  /** The block that executed, rejected or revoked it. */
  endedAt: uint.nullable(),
  votes: z.array(z.strictObject({ voter: hex, agree: z.boolean(), blockNumber: uint })),
  /** A regulator's consent (needed to remove or demote a regulator's node), or null. */
  regulatorConsent: z.strictObject({ regulator: hex, blockNumber: uint }).nullable(),
  /** The votes weighed with the members' weights now, as the next vote would count them. */
  forWeight: uint,
  againstWeight: uint,
  totalWeight: uint,
});

/** Most entries of each list getPermissions answers; `total` says how many there are. */
export const MAX_PERMISSION_ENTRIES = 100;

/** Who set a permission: `proposalId` for a committee proposal, else `setBy` acted directly in `transactionHash`. */
const decisionFields = {
  setBy: hex,
  blockNumber: uint,
  proposalId: uint.nullable(),
  transactionHash: hex.nullable(),
};
const cappedList = <T extends z.ZodType>(entry: T) => z.strictObject({ total: uint, entries: z.array(entry) });

const pilotResult = z.strictObject({
  id: uint,
  ...pilotSpecFields,
  status: z.enum(PILOT_STATUS_NAMES),
  /** Why it is suspended or exited; empty while registered. */
  reason: z.string(),
  registeredAt: uint,
  lastChange: z.strictObject(decisionFields),
  /** Genesis regulators of its jurisdictions, with the id of the key in force for the next block (null: none yet). */
  supervisingRegulators: z.array(
    z.strictObject({ account: hex, name: z.string(), jurisdiction: z.string(), keyId: hex.nullable() }),
  ),
});

const permissionsResult = z.strictObject({
  blockNumber: uint,
  committee: z.strictObject({
    members: z.array(
      z.strictObject({
        address: hex,
        weight: uint,
        /** The executed proposal that last set its weight; null: genesis, or beyond the proposals looked at. */
        proposalId: uint.nullable(),
        blockNumber: uint.nullable(),
      }),
    ),
    participationPercent: uint,
    approvalPercent: uint,
    proposalLifetimeBlocks: uint,
    rulesProposalId: uint.nullable(),
    rulesBlockNumber: uint.nullable(),
    powers: z.array(z.string()),
  }),
  regulators: z.array(
    z.strictObject({ name: z.string(), jurisdiction: z.string(), account: hex, powers: z.array(z.string()) }),
  ),
  deployPolicy: z.strictObject({
    mode: z.enum(DEPLOY_POLICY_NAMES),
    /** null: open since genesis. */
    setAt: z.strictObject(decisionFields).nullable(),
  }),
  deployers: cappedList(z.strictObject({ account: hex, ...decisionFields })),
  restrictedAccounts: cappedList(
    z.strictObject({ account: hex, status: z.enum(ACCOUNT_STATUS_NAMES), reason: z.string(), ...decisionFields }),
  ),
  frozenContracts: cappedList(
    z.strictObject({ contract: hex, status: z.enum(CONTRACT_STATUS_NAMES), reason: z.string(), ...decisionFields }),
  ),
  methodAcls: cappedList(
    z.strictObject({
      contract: hex,
      selector: hex,
      admin: hex.nullable(),
      mode: z.enum(ACL_MODE_NAMES),
      accounts: z.array(hex),
      ...decisionFields,
    }),
  ),
});

// --- the regulator node's supervision (docs/regulator-guide.md); served only by a node with a `supervision` section ---

const pilotIdSchema = z
  .number({ error: 'pilot must be a pilot id (a positive integer)' })
  .int({ error: 'pilot must be a pilot id (a positive integer)' })
  .min(1, { error: 'pilot must be a pilot id (a positive integer)' });
const lowerAddress = (name: string) => addressParam(name).transform(toHex).describe(name);
const countParam = (name: string) =>
  z
    .number({ error: `${name} must be a positive integer` })
    .int({ error: `${name} must be a positive integer` })
    .min(1, {
      error: `${name} must be a positive integer`,
    });
const msParam = (name: string) =>
  z
    .number({ error: `${name} must be a time in ms` })
    .int({ error: `${name} must be a time in ms` })
    .min(0, { error: `${name} must be a time in ms` })
    .describe(name);

const recordQueryParam = z
  .strictObject(
    {
      pilot: pilotIdSchema.optional(),
      contract: lowerAddress('contract').optional(),
      account: lowerAddress('account').optional(),
      institution: lowerAddress('institution').optional(),
      day: z.number({ error: 'day must be a day number (ms / 86400000)' }).int().min(0).optional(),
      fromBlock: z.number({ error: 'fromBlock must be a block number' }).int().min(0).optional(),
      limit: countParam('limit').optional(),
      cursor: z
        .string({ error: 'cursor must be the next of a previous answer' })
        .regex(/^0x[0-9a-f]{24}$/)
        .optional(),
    },
    { error: 'query must be an object {pilot?, contract?, account?, institution?, day?, fromBlock?, limit?, cursor?}' },
  )
  .refine((q) => [q.contract, q.account, q.pilot].some((v) => v !== undefined), {
    error: 'query must name a pilot, a contract or an account',
  })
  .refine((q) => (q.institution === undefined && q.day === undefined) || q.pilot !== undefined, {
    error: 'query: institution and day need a pilot',
  })
  .describe('query');

const alertQueryParam = z
  .strictObject(
    {
      fromBlock: z.number({ error: 'fromBlock must be a block number' }).int().min(0).optional(),
      toBlock: z.number({ error: 'toBlock must be a block number' }).int().min(0).optional(),
      limit: countParam('limit').optional(),
    },
    { error: 'query must be an object {fromBlock?, toBlock?, limit?}' },
  )
  .nullish()
  .transform((q) => q ?? {})
  .describe('query');

const traceSubjectParam = z
  .string({ error: 'holderOrId must be an account address or a token id (decimal)' })
  .transform((v, ctx): { account: string } | { tokenId: string } => {
    if (/^0x[0-9a-fA-F]{40}$/.test(v)) return { account: v.toLowerCase() };
    if (/^[0-9]{1,78}$/.test(v)) return { tokenId: BigInt(v).toString() };
    ctx.addIssue({ code: 'custom', message: 'holderOrId must be an account address or a token id (decimal)' });
    return z.NEVER;
  })
  .describe('holderOrId');

const supervisedRecordResult = z.strictObject({
  hash: hex,
  index: uint,
  blockNumber: uint,
  timestamp: uint,
  sender: hex,
  to: hex.nullable(),
  success: z.boolean(),
  pilots: z.array(uint),
  contracts: z.array(hex),
  transfers: z.array(
    z.strictObject({
      contract: hex,
      from: hex,
      to: hex,
      value: z.string(),
      tokenId: z.string().nullable(),
      logIndex: uint,
    }),
  ),
  record: z
    .strictObject({
      pilotId: uint,
      commitment: hex,
      data: hex.nullable(),
      salt: hex.nullable(),
      problem: z.string().nullable(),
    })
    .nullable(),
});

const alertResult = z.strictObject({
  id: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  pilot: uint.nullable(),
  blockNumber: uint,
  txHash: hex.nullable(),
  sender: hex.nullable(),
  timestamp: uint,
  message: z.string(),
});

const noParams = z.tuple([]);
const txHashParams = z.tuple([hashParam('transactionHash')]);
const addressParams = z.tuple([addressParam('address')]);

export const RPC_SCHEMA = {
  getBlockNumber: { params: noParams, result: uint },
  getBlockByNumber: {
    params: z.tuple([blockNumberParam, flagParam('includeTransactions')]),
    result: blockResult.nullable(),
  },
  getBlockByHash: {
    params: z.tuple([hashParam('blockHash'), flagParam('includeTransactions')]),
    result: blockResult.nullable(),
  },
  getBlockHashByNumber: { params: z.tuple([blockNumberParam]), result: hex.nullable() },
  getTransactionByHash: { params: txHashParams, result: txResult.nullable() },
  getTransactionReceipt: { params: txHashParams, result: receiptResult.nullable() },
  sendTransaction: {
    params: z.tuple([bytesParam('signedTransaction'), flagParam('waitForReceipt')]),
    /** `{transactionHash}`, or the receipt with waitForReceipt: see `Result`. */
    result: z.union([receiptResult, submittedResult]),
  },
  call: {
    params: z.tuple([callRequestParam]),
    result: z.strictObject({
      status: uint,
      statusText: z.string(),
      output: hex,
      message: z.string(),
      gasUsed: uint,
      blockNumber: uint,
    }),
  },
  getCode: { params: addressParams, result: hex.nullable() },
  getAbi: { params: addressParams, result: z.string().nullable() },
  getPendingTxSize: { params: noParams, result: uint },
  getTotalTransactionCount: { params: noParams, result: z.strictObject({ blockNumber: uint, txSum: uint }) },
  getSystemConfigByKey: {
    params: z.tuple([z.string({ error: 'key must be a string' }).describe('key')]),
    result: z.strictObject({ value: z.string(), blockNumber: uint }),
  },
  getTransactionProof: {
    params: txHashParams,
    result: z
      .strictObject({
        blockNumber: uint,
        blockHash: hex,
        root: hex,
        leaf: hex,
        transaction: hex,
        proof: merkleProofResult,
      })
      .nullable(),
  },
  getReceiptProof: {
    params: txHashParams,
    result: z
      .strictObject({ blockNumber: uint, blockHash: hex, root: hex, leaf: hex, proof: merkleProofResult })
      .nullable(),
  },
  getNodeInfo: {
    params: noParams,
    result: z.strictObject({
      nodeId: z.string(),
      role: z.enum(['sealer', 'observer']),
      chainId: z.string(),
      cryptoSuite: z.string(),
      genesisHash: hex,
      blockNumber: uint,
      consensus: z.enum(['solo', 'pbft']),
      version: z.string(),
    }),
  },
  getSealerList: { params: noParams, result: z.array(z.strictObject({ nodeId: z.string() })) },
  getObserverList: {
    params: noParams,
    result: z.array(z.strictObject({ nodeId: z.string(), regulator: z.boolean() })),
  },
  getCommittee: {
    params: noParams,
    result: z.strictObject({
      members: z.array(z.strictObject({ address: hex, weight: uint })),
      totalWeight: uint,
      participationPercent: uint,
      approvalPercent: uint,
      proposalLifetimeBlocks: uint,
      proposalCount: uint,
      blockNumber: uint,
    }),
  },
  getProposal: { params: z.tuple([proposalIdParam]), result: proposalResult.nullable() },
  getProposals: {
    params: z.tuple([proposalQueryParam]),
    result: z.strictObject({
      proposals: z.array(proposalResult),
      /** Pass as `from` for the next page; null when the oldest proposal has been looked at. */
      next: uint.nullable(),
    }),
  },
  getPermissions: { params: noParams, result: permissionsResult },
  getPilot: { params: z.tuple([pilotIdParam]), result: pilotResult.nullable() },
  getPilots: {
    params: z.tuple([pilotQueryParam]),
    result: z.strictObject({
      pilots: z.array(pilotResult),
      /** Pass as `from` for the next page; null when pilot 1 has been looked at. */
      next: uint.nullable(),
    }),
  },
  getConsensusStatus: { params: noParams, result: consensusStatusResult },
  getPbftView: { params: noParams, result: pbftViewResult },
  getSyncStatus: {
    params: noParams,
    result: z.strictObject({
      blockNumber: uint,
      highestPeerBlock: uint,
      syncing: z.boolean(),
      // Absent on a node without networking.
      blocksSynced: uint.optional(),
      penalisedPeers: uint.optional(),
    }),
  },
  getPeers: {
    params: noParams,
    result: z.array(z.strictObject({ nodeId: z.string(), address: z.string(), direction: z.string() })),
  },
  getSupervisedRecords: {
    params: z.tuple([recordQueryParam]),
    result: z.strictObject({ records: z.array(supervisedRecordResult), next: z.string().nullable() }),
  },
  traceAsset: {
    params: z.tuple([lowerAddress('contract'), traceSubjectParam]),
    result: z.strictObject({
      contract: hex,
      subject: z.union([z.strictObject({ account: hex }), z.strictObject({ tokenId: z.string() })]),
      holders: z.array(z.strictObject({ account: hex, balance: z.string(), tokenId: z.string().optional() })),
      hops: z.array(
        z.strictObject({
          kind: z.enum(['move', 'split']),
          blockNumber: uint,
          txHash: hex,
          from: hex,
          to: hex,
          value: z.string(),
          tokenId: z.string().nullable(),
          parent: z.string().nullable(),
        }),
      ),
      truncated: z.boolean(),
    }),
  },
  getActivity: {
    params: z.tuple([pilotIdSchema.describe('pilot'), lowerAddress('account'), msParam('fromMs'), msParam('toMs')]),
    result: z.strictObject({ records: z.array(supervisedRecordResult) }),
  },
  getAlerts: { params: z.tuple([alertQueryParam]), result: z.strictObject({ alerts: z.array(alertResult) }) },
  reindexSupervision: { params: noParams, result: z.strictObject({ fromBlock: uint, toBlock: uint }) },
  ...ETH_SCHEMA,
  // Subscriptions: WebSocket only (over HTTP they are refused); notifications follow the answer.
  eth_subscribe: { params: z.tuple([ethSubscriptionParam, logFilterParam]), result: hex },
  eth_unsubscribe: { params: z.tuple([subscriptionIdParam]), result: z.boolean() },
  subscribe: {
    params: z.tuple([z.string({ error: 'channel must be a string' }).describe('channel')]),
    result: hex,
  },
  unsubscribe: { params: z.tuple([subscriptionIdParam]), result: z.boolean() },
} as const satisfies Record<string, { params: z.ZodTuple; result: z.ZodType }>;

export type RpcSchema = typeof RPC_SCHEMA;
export type MethodName = keyof RpcSchema;
/** Params as sent on the wire. */
export type Params<M extends MethodName> = z.input<RpcSchema[M]['params']>;
/** Params as the server's method sees them, parsed. */
export type ParsedParams<M extends MethodName> = z.output<RpcSchema[M]['params']>;
export type Receipt = z.output<typeof receiptResult>;
export type Block = z.output<typeof blockResult>;
export type TransactionView = z.output<typeof txResult>;
/**
 * The result of `M` called with `P`. sendTransaction answers the receipt when
 * waitForReceipt is `true` and `{transactionHash}` when it is absent or false.
 */
export type Result<M extends MethodName, P = Params<M>> = M extends 'sendTransaction'
  ? P extends readonly [unknown, true]
    ? Receipt
    : P extends readonly [unknown] | readonly [unknown, false | null | undefined]
      ? z.output<typeof submittedResult>
      : z.output<RpcSchema[M]['result']>
  : z.output<RpcSchema[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(RPC_SCHEMA, name);
}

/** The parameter names of `method`, in order, with `?` after the optional ones. */
export function paramNames(method: MethodName): string[] {
  return RPC_SCHEMA[method].params.def.items.map((item) => {
    const s = item as z.ZodType;
    return `${s.description}${s._zod.optin === 'optional' ? '?' : ''}`;
  });
}

/** Validates positional params; a failure is a -32602 error naming the parameter. */
export function parseParams<M extends MethodName>(method: M, params: unknown[]): ParsedParams<M> {
  const r = RPC_SCHEMA[method].params.safeParse(params);
  if (r.success) return r.data as ParsedParams<M>;
  throw paramsError(method, params, r.error.issues[0]);
}

function paramsError(method: MethodName, params: unknown[], issue: z.core.$ZodIssue): RpcError {
  const names = paramNames(method);
  const required = names.filter((n) => !n.endsWith('?')).length;
  if (issue.path.length === 0) {
    const expected =
      names.length === 0
        ? 'no parameters'
        : `${required === names.length ? '' : `${required} to `}${names.length} parameter${names.length === 1 ? '' : 's'} [${names.join(', ')}]`;
    return invalidParams(`${method} takes ${expected}, got ${params.length}`);
  }
  const i = issue.path[0] as number;
  const name = names[i]?.replace('?', '') ?? `#${i}`;
  // Custom messages already name the parameter; zod's own ones get it in front.
  return invalidParams(issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`);
}
