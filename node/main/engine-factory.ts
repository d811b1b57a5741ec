import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Chain } from '../chain/chain.js';
import { equalBytes } from '../codec/canonical.js';
import { hexKey } from '../codec/hex.js';
import { encodeTx } from '../codec/tx.js';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import type { GenesisConfig } from '../config/genesis.js';
import type { ResolvedNodeConfig } from '../config/node-config.js';
import type { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import type { NodeMetrics } from '../metrics/metrics.js';
import { P2PNetwork, PeerPenalties } from '../p2p/index.js';
import { BlockSync } from '../sync/block-sync.js';
import type { PoolEntry, TxPool } from '../txpool/pool.js';
import type { ConsensusEngine } from '../engine/engine.js';
import { ByzantineAdversary, byzantineFromEnv, byzantineNetworkOptions } from '../engine/byzantine.js';
import { PbftEngine } from '../engine/pbft.js';
import { SerialQueue } from '../chain/serial-queue.js';
import { SoloSealer } from '../engine/solo.js';
import { TxGossip } from '../engine/tx-gossip.js';

/** The parts a networked (PBFT) node has and a solo node does not. */
export interface Networking {
  readonly net: P2PNetwork;
  readonly sync: BlockSync;
  readonly gossip: TxGossip;
}

/** What an engine is built from: the node's parts, by name. */
export interface EngineDeps {
  readonly genesis: GenesisConfig;
  readonly chain: Chain;
  readonly pool: TxPool;
  readonly recovery: SignatureRecoveryPool;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  /** The node key (secp256k1 secret) and its public half, the node id. */
  readonly nodeSecret: Uint8Array;
  readonly nodeId: Uint8Array;
  /** Admits a transaction a peer gossiped, as a client's would be (called only once the node runs). */
  readonly admit: (raw: Uint8Array) => Promise<PoolEntry>;
}

/**
 * A constructed, not yet started engine and, for networked engines, its network parts.
 * Nothing here holds a resource yet: the node starts each part and puts it on its close
 * list, so a failure part-way is undone.
 */
export interface EngineParts {
  readonly engine: ConsensusEngine;
  readonly network: Networking | null;
}

export type EngineName = ResolvedNodeConfig['consensus']['engine'];
export type EngineFactory = (config: ResolvedNodeConfig, deps: EngineDeps) => EngineParts;

function createSolo(config: ResolvedNodeConfig, deps: EngineDeps): EngineParts {
  const sealers = deps.chain.consensusNodes().filter((n) => n.role === 'sealer');
  if (sealers.length !== 1 || !equalBytes(sealers[0].nodeId, deps.nodeId))
    throw new ConfigError(
      'the solo engine needs a genesis with exactly one sealer, and this node must be it',
      ConfigErrorCode.SoloNotSealer,
      { sealers: sealers.length },
    );
  const engine = new SoloSealer(
    {
      emptyBlockIntervalMs: config.consensus.emptyBlockIntervalMs,
      minSealDelayMs: config.consensus.minSealDelayMs,
      sealerSecretKey: deps.nodeSecret,
    },
    { chain: deps.chain, pool: deps.pool, logger: deps.logger.child({ component: 'solo' }), metrics: deps.metrics },
  );
  return { engine, network: null };
}

function createPbft(config: ResolvedNodeConfig, deps: EngineDeps): EngineParts {
  const { p2p } = config;
  if (!p2p)
    throw new ConfigError(
      'the pbft engine needs a p2p section in the node config (listen port and peers)',
      ConfigErrorCode.PbftWithoutP2p,
    );
  const { genesis, chain, pool, recovery, logger, metrics } = deps;
  // TEST ONLY: the adversarial cluster test starts one validator with this variable set.
  const byzantine = byzantineFromEnv(process.env.LINGDING_TEST_BYZANTINE);
  const net = new P2PNetwork(
    {
      secretKey: deps.nodeSecret,
      listen: { host: p2p.host, port: p2p.port },
      nodes: chain.consensusNodes().map((n) => ({ nodeId: hexKey(n.nodeId) })),
      peers: p2p.peers,
      protocolPrefix: `/lingding/${genesis.chainId}`,
      ...byzantineNetworkOptions(byzantine),
    },
    { logger: logger.child({ component: 'p2p' }) },
  );
  const queue = new SerialQueue();
  // One record for consensus and gossip: a peer that sends bad input on one is ignored on both.
  const penalties = new PeerPenalties(config.peerPenalty);
  const adversary = byzantine
    ? new ByzantineAdversary(byzantine, {
        net,
        chain,
        secretKey: deps.nodeSecret,
        logger: logger.child({ component: 'byzantine' }),
      })
    : undefined;
  const engine = new PbftEngine(
    {
      secretKey: deps.nodeSecret,
      safetyFile: join(config.dataDir, 'pbft-safety.bin'),
      timeouts: { baseMs: config.consensus.viewTimeoutMs },
      emptyBlockIntervalMs: config.consensus.emptyBlockIntervalMs,
      minSealDelayMs: config.consensus.minSealDelayMs,
      maxClockDriftMs: config.consensus.maxClockDriftMs,
      maxInboundBytesPerPeer: config.consensus.maxInboundBytesPerPeer,
      adversary,
    },
    { chain, pool, recovery, net, queue, logger: logger.child({ component: 'pbft' }), metrics, penalties },
  );
  const sync = new BlockSync(config.sync, {
    chain,
    pool,
    recovery,
    net,
    queue,
    logger: logger.child({ component: 'sync' }),
    onCommitted: () => engine.input(() => engine.afterExternalCommit()),
    cpu: metrics.cpu,
  });
  const gossip = new TxGossip({
    net,
    submit: deps.admit,
    pending: (max) => pool.pending(max).map((e) => encodeTx(e.tx)),
    stale: (ageMs, max) => {
      const before = Date.now() - ageMs;
      return pool
        .pending(max)
        .filter((e) => e.admittedAt < before)
        .map((e) => encodeTx(e.tx));
    },
    logger: logger.child({ component: 'gossip' }),
    penalties,
    metrics,
  });
  return { engine, network: { net, sync, gossip } };
}

/** The engines a node config can name. */
export const ENGINES: Readonly<Record<EngineName, EngineFactory>> = { solo: createSolo, pbft: createPbft };

/**
 * Builds the engine the config names, with what it needs; config faults (a solo node
 * that is not the one sealer, pbft without p2p) are ConfigErrors with a code.
 */
export function createEngine(config: ResolvedNodeConfig, deps: EngineDeps): EngineParts {
  const name = config.consensus.engine;
  const factory = Object.hasOwn(ENGINES, name) ? ENGINES[name] : undefined;
  if (!factory)
    throw new ConfigError(`unknown consensus engine '${String(name)}'`, ConfigErrorCode.UnknownEngine, {
      engine: name,
    });
  return factory(config, deps);
}
