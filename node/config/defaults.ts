import { secp256k1 } from '@noble/curves/secp256k1.js';
/**
 * Every setting of a node config and every genesis field with a default, each declared once
 * with its bounds and its default (as CometBFT's `DefaultXConfig()` with `ValidateBasic()`,
 * and Lodestar's `defaultOptions`, in one place). The schemas in node-config.ts and
 * genesis.ts are assembled from these sections, and NODE_DEFAULTS is derived from them, so
 * a new node-config key is one line here plus its use.
 */
import { z } from 'zod';

export const RpcSection = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
  /** Largest request body accepted (bytes). */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** Most calls in one JSON-RPC batch. */
  maxBatch: z.number().int().min(1).default(2000),
  /** Largest answer (bytes of JSON); calls past it get a -32014 error naming this limit. */
  maxResponseBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(512 * 1024 * 1024)
    .default(64 * 1024 * 1024),
  /**
   * Gas of one read-only `call` (a call carries no gas of its own; it runs with this, and
   * never with more than the chain's tx_gas_limit). Calls run one at a time on the main
   * thread, so this bounds how long one call can hold consensus, p2p and timers.
   */
  callGasLimit: z.number().int().min(100_000).max(1_000_000_000).default(50_000_000),
  /** JSON-RPC requests one client address may have in flight; past it: HTTP 429 and a -32015 error. */
  maxConcurrentPerClient: z.number().int().min(1).max(10_000).default(16),
  /** Most blocks one eth_getLogs covers (and one poll of a log filter reads); past it, geth's "exceed maximum block range". */
  maxLogsBlockRange: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Most logs one eth_getLogs / filter answer carries; past it, "query returned more than N results". */
  maxLogsPerResponse: z.number().int().min(1).max(1_000_000).default(10_000),
  /** eth_newFilter / eth_newBlockFilter / eth_newPendingTransactionFilter filters installed at once (each expires unpolled after 5 minutes). */
  maxFilters: z.number().int().min(1).max(100_000).default(1_000),
  /** Host names (the HTTP Host header) served besides loopback and the bind address; '*' serves any. */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Browser origins allowed to call (CORS); none by default, so no web page can drive the RPC. */
  corsOrigins: z.array(z.string().min(1)).default([]),
  /** File holding a bearer token every request must carry (Authorization: Bearer …); for non-loopback binds. */
  authTokenFile: z.string().min(1).optional(),
  /** WebSocket connections open at once (JSON-RPC over WebSocket on the same port); past it an upgrade gets HTTP 503. */
  wsMaxConnections: z.number().int().min(1).max(100_000).default(256),
  /** Subscriptions (eth_subscribe / subscribe) one WebSocket connection may hold. */
  wsMaxSubscriptionsPerConnection: z.number().int().min(1).max(10_000).default(128),
  /**
   * Bytes waiting for one WebSocket reader (answers and notifications it has not taken yet);
   * a message that would pass it closes the connection (1008, "slow consumer"), so one
   * stalled client cannot grow the node's memory. A message to a reader with nothing waiting always goes.
   */
  wsMaxBufferedBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .default(16 * 1024 * 1024),
  /** How often each WebSocket peer is pinged (ms); one that has not answered the previous ping is dropped. */
  wsPingIntervalMs: z.number().int().min(100).max(600_000).default(30_000),
});

export const ConsensusSection = z.object({
  engine: z.enum(['solo', 'pbft']).default('solo'),
  /** Seal an empty block at least this often (ms). */
  emptyBlockIntervalMs: z.number().int().min(100).default(1000),
  /** After the first pending transaction, wait this long for more before sealing (ms). */
  minSealDelayMs: z.number().int().min(0).default(5),
  /** PBFT: first view timeout (ms); it doubles on each further view change, capped. */
  viewTimeoutMs: z.number().int().min(200).max(600_000).default(3000),
  /** PBFT: how far ahead of this node's clock a fresh proposal's timestamp may be (ms); validators run NTP. */
  maxClockDriftMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /** Bytes of consensus messages one peer may have waiting for the input queue (besides 256 messages). */
  maxInboundBytesPerPeer: z
    .number()
    .int()
    .min(8 * 1024 * 1024)
    .default(32 * 1024 * 1024),
});

export const TxpoolSection = z.object({
  maxCount: z.number().int().min(1).default(100_000),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .default(256 * 1024 * 1024),
  maxPerSender: z.number().int().min(1).default(20_000),
  /** How far above a sender's next Ethereum nonce a held (gapped) transaction may be ("nonce too high" past it). */
  maxEthNonceGap: z.number().int().min(0).max(10_000).default(64),
  maxTxBytes: z.number().int().min(256).default(1_100_000),
  /** A transaction pending longer than this is evicted (ms), whether or not blocks commit. */
  pendingTtlMs: z.number().int().min(1000).default(600_000),
  /** Threads recovering transaction signers; absent: cores - 1 (at least 1). 0 = inline. */
  verifyWorkers: z.number().int().min(0).max(64).optional(),
});

export const SyncSection = z.object({
  /** How often a node asks its peers for their heads (ms). */
  pollIntervalMs: z.number().int().min(10).max(600_000).default(1000),
  /** Blocks per request (the serving peer also caps a request at its own batchSize). */
  batchSize: z.number().int().min(1).max(1024).default(64),
  /** How long a peer that served a bad block is ignored (ms). */
  penaltyMs: z.number().int().min(0).default(60_000),
  /** Block requests served per peer per second (a token bucket of this size); past it a peer gets an empty answer. */
  maxServedRequestsPerSecond: z.number().int().min(1).max(10_000).default(20),
});

/** Peers that send consensus messages or transaction batches that fail to decode or verify. */
export const PeerPenaltySection = z.object({
  /** Bad messages from one peer within windowMs after which its messages are ignored. */
  maxBadMessages: z.number().int().min(1).default(16),
  windowMs: z.number().int().min(100).default(10_000),
  /** How long such a peer's consensus and transaction messages are dropped unread (ms). */
  penaltyMs: z.number().int().min(0).default(60_000),
});

export const StorageSection = z.object({
  syncWrites: z.boolean().default(true),
  stateCacheEntries: z.number().int().min(0).default(25_000),
});

export const LogSection = z.object({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  file: z.string().optional(),
});

/**
 * A regulator node's supervision (docs/design-decisions.md, Supervision 9-10). The section is
 * absent on every other node; with it the node decrypts, indexes and watches the records of
 * the pilots its keys supervise and serves the regulator-only RPC methods.
 */
export const SupervisionSection = z.object({
  /** Supervision key files (`lingding keygen --supervision`), current and retired: old records stay readable. */
  keyFiles: z.array(z.string().min(1)).min(1).max(16),
  /** Rule file (YAML or JSON, docs/regulator-guide.md); absent: the default rules. */
  rulesFile: z.string().min(1).optional(),
  /** How far the head may fall behind the highest head peers report before SUPERVISION_STARVED. */
  maxLagBlocks: z.number().int().min(1).max(1_000_000).default(10),
  /** Slack over consensus.emptyBlockIntervalMs: no new block for longer than both gives SUPERVISION_STARVED (ms). */
  stallSlackMs: z.number().int().min(0).max(3_600_000).default(10_000),
  /** Most records, alerts or hops one regulator RPC answer carries. */
  maxItemsPerResponse: z.number().int().min(1).max(100_000).default(1_000),
  /** Most Transfer events of one contract a trace reads; past it the trace says it is truncated. */
  maxTraceTransfers: z.number().int().min(1).max(10_000_000).default(100_000),
});

/** p2p listen host; the section's port and peers have no default. */
export const P2pHost = z.string().default('127.0.0.1');

/** What every section holds where a node config file leaves it out (derived, never written by hand). */
export const NODE_DEFAULTS = Object.freeze({
  rpc: RpcSection.omit({ port: true }).parse({}),
  p2p: { host: P2pHost.parse(undefined) },
  consensus: ConsensusSection.parse({}),
  txpool: TxpoolSection.parse({}),
  sync: SyncSection.parse({}),
  peerPenalty: PeerPenaltySection.parse({}),
  storage: StorageSection.parse({}),
  log: LogSection.parse({}),
  supervision: SupervisionSection.omit({ keyFiles: true }).parse({}),
});

/**
 * The chain's Ethereum chain id (EIP-155; eth_chainId, and what Ethereum-signed
 * transactions must name). A genesis file that leaves it out gets one derived from its
 * chainId string (deriveEthereumChainId in genesis.ts), written out by the genesis writer.
 */
export const EthereumChainId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** A transaction's blockLimit must be in (height, height + blockLimitWindow]. */
export const BlockLimitWindow = z.number().int().min(1).max(100_000).default(1000);

/**
 * The committee's bounds and default voting rules (docs/design-decisions.md, decision 1 of
 * governance). The committee system contract checks proposals against the same bounds, so
 * genesis can never start a chain with rules a proposal could not set.
 */
export const COMMITTEE_BOUNDS = Object.freeze({
  /** Most members: every vote tallies all of them, so the work per vote is bounded. */
  maxMembers: 100,
  maxWeight: 10_000,
  /** Percentages of committee weight (whole numbers, never floats). */
  maxPercent: 100,
  minApprovalPercent: 1,
  maxLifetimeBlocks: 100_000_000,
});

/** Most nodes (validators and observers) a node admission proposal may grow the node list to. */
export const NODE_LIST_BOUNDS = Object.freeze({ maxNodes: 256 });

export const CommitteeMemberWeight = z.number().int().min(1).max(COMMITTEE_BOUNDS.maxWeight).default(1);
/** Share of the whole committee's weight that must have voted (for or against). */
export const ParticipationPercent = z.number().int().min(0).max(COMMITTEE_BOUNDS.maxPercent).default(50);
/** Share of the voting weight that must have voted for. 66 lets 2 of 3 equal members pass. */
export const ApprovalPercent = z
  .number()
  .int()
  .min(COMMITTEE_BOUNDS.minApprovalPercent)
  .max(COMMITTEE_BOUNDS.maxPercent)
  .default(66);
/** Blocks a proposal accepts votes for, counted from the block that created it (7 days of 1 s blocks). */
export const ProposalLifetimeBlocks = z.number().int().min(1).max(COMMITTEE_BOUNDS.maxLifetimeBlocks).default(604_800);

/**
 * Bounds of account and contract permissions (docs/governance.md): every list the
 * AccountManager and ContractAuth contracts keep is rewritten whole on change, so each is
 * capped, which bounds the gas of a change and the size of getPermissions.
 */
export const PERMISSION_BOUNDS = Object.freeze({
  /** Regulators named by genesis. */
  maxRegulators: 32,
  /** Accounts frozen or abolished at one time (abolished ones count for good). */
  maxRestrictedAccounts: 1000,
  /** Contracts frozen at one time. */
  maxFrozenContracts: 1000,
  /** Accounts on the deployer allow-list. */
  maxDeployers: 1000,
  /** Method ACLs (contract + selector) in force. */
  maxMethodAcls: 1000,
  /** Accounts on one method ACL. */
  maxAclAccounts: 100,
  /** Bytes of a freeze/unfreeze/abolish reason. */
  maxReasonBytes: 256,
});

/**
 * Bounds of a pilot in the PilotRegistry system contract (design decision 1): they bound
 * the gas of a registration and the size of getPilots.
 */
export const PILOT_BOUNDS = Object.freeze({
  /** Bytes of a pilot's name. */
  maxNameBytes: 64,
  /** Institutions (accounts) of one pilot. */
  maxInstitutions: 64,
  /** Contracts of one pilot. */
  maxContracts: 64,
  /** Jurisdiction codes of one pilot. */
  maxJurisdictions: 8,
  /** Bytes of one jurisdiction code (as a genesis regulator's jurisdiction). */
  maxJurisdictionBytes: 64,
  /** Pilots ever registered on one chain (ids are never reused). */
  maxPilots: 10_000,
  /** Supervision keys kept per regulator (its rotations, the genesis key included). */
  maxKeyHistory: 256,
});

function isCurvePoint(hex: string): boolean {
  try {
    secp256k1.Point.fromHex(hex.slice(2));
    return true;
  } catch {
    return false;
  }
}

/** A regulator named by genesis: its account may freeze accounts and contracts at once. */
export const GenesisRegulators = z
  .array(
    z
      .object({
        name: z.string().min(1).max(64),
        jurisdiction: z.string().min(1).max(64),
        account: z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/, 'account must be 20 bytes of hex'),
        /** Its supervision public key (design decision 5), in force from block 0; rotated by proposal kind 33. */
        supervisionKey: z
          .string()
          .regex(/^0x0[23][0-9a-fA-F]{64}$/, 'supervisionKey must be a 0x 33-byte compressed secp256k1 public key')
          .refine(isCurvePoint, 'supervisionKey is not a point on secp256k1')
          .optional(),
      })
      .strict(),
  )
  .max(PERMISSION_BOUNDS.maxRegulators, `at most ${PERMISSION_BOUNDS.maxRegulators} regulators`)
  .default([]);

/**
 * Genesis fields a genesis file may leave out. The genesis writer writes them out in
 * full, so a chain's genesis hash never depends on the defaults of the software that
 * reads its genesis file.
 */
export const GENESIS_DEFAULTS = Object.freeze({
  blockLimitWindow: BlockLimitWindow.parse(undefined),
  committee: Object.freeze({
    weight: CommitteeMemberWeight.parse(undefined),
    participationPercent: ParticipationPercent.parse(undefined),
    approvalPercent: ApprovalPercent.parse(undefined),
    proposalLifetimeBlocks: ProposalLifetimeBlocks.parse(undefined),
  }),
});
