import { mkdirSync, readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Chain } from '../chain/chain.js';
import { hexKey } from '../codec/hex.js';
import { WasmContractVm } from '../exec/wasm-vm.js';
import { loadGenesisFile, type GenesisConfig } from '../config/genesis.js';
import type { ResolvedNodeConfig } from '../config/node-config.js';
import { createSuite } from '../crypto/index.js';
import { readNodeKeyFile } from '../crypto/node-key.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { ConsensusEngine } from '../engine/engine.js';
import { createEngine, type Networking } from './engine-factory.js';
import { followNodeList } from './node-list-gate.js';
import { createLogger } from '../log/logger.js';
import { NodeMetrics } from '../metrics/metrics.js';
import type { CommittedTx, RpcBackend } from '../rpc/methods.js';
import { createSupervisor, type Supervisor } from '../supervision/index.js';
import { RpcServer } from '../rpc/server.js';
import { TxRejectedError } from '../txpool/errors.js';
import { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { poolChainViewOf, TxPool, type PoolEntry } from '../txpool/pool.js';
import { equalBytes } from '../codec/canonical.js';
import { assertSupportedNode, LINGDING_VERSION } from '../package/index.js';
import { CloseList } from './close-list.js';
import { NodeErrorCode, NodeStartError } from './errors.js';

export type { Networking } from './engine-factory.js';

/** Where a node is in its life; `stop()` is only meaningful on a running node. */
export const NodeStatus = {
  Starting: 'starting',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
} as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

export interface LingdingNodeOptions {
  readonly config: ResolvedNodeConfig;
  readonly genesis: GenesisConfig;
  readonly nodeId: Uint8Array;
}

export interface LingdingNodeDeps {
  readonly suite: CryptoSuite;
  readonly chain: Chain;
  readonly pool: TxPool;
  readonly engine: ConsensusEngine;
  readonly network: Networking | null;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  /** The regulator node's supervision (node config `supervision`); null on every other node. */
  readonly supervisor: Supervisor | null;
  /** What has been opened so far; the node's start continues it and `stop()` unwinds it. */
  readonly closers: CloseList;
}

/**
 * One Lingding node: ledger + pool + consensus engine + RPC, wired from a config file.
 * Components are constructed in `start` and nowhere else, so the dependency graph is
 * visible in one place; everything opened goes on one close list.
 */
export class LingdingNode implements RpcBackend {
  readonly version = LINGDING_VERSION;
  private readonly waiters = new Map<string, Array<(c: CommittedTx) => void>>();
  private lastBlockAt = 0;
  private statusValue: NodeStatus = NodeStatus.Starting;
  readonly rpc: RpcServer;
  readonly config: ResolvedNodeConfig;
  readonly genesis: GenesisConfig;
  readonly nodeId: Uint8Array;
  readonly suite: CryptoSuite;
  readonly chain: Chain;
  readonly pool: TxPool;
  readonly engine: ConsensusEngine;
  readonly network: Networking | null;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  readonly supervision: RpcBackend['supervision'];
  private readonly closers: CloseList;

  private constructor(opts: LingdingNodeOptions, deps: LingdingNodeDeps) {
    this.config = opts.config;
    this.genesis = opts.genesis;
    this.nodeId = opts.nodeId;
    this.suite = deps.suite;
    this.chain = deps.chain;
    this.pool = deps.pool;
    this.engine = deps.engine;
    this.network = deps.network;
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.closers = deps.closers;
    this.supervision =
      deps.supervisor && this.config.supervision
        ? { supervisor: deps.supervisor, maxItemsPerResponse: this.config.supervision.maxItemsPerResponse }
        : null;
    const { rpc } = this.config;
    this.rpc = new RpcServer(
      {
        host: rpc.host,
        port: rpc.port,
        maxBodyBytes: rpc.maxBodyBytes,
        maxBatch: rpc.maxBatch,
        maxResponseBytes: rpc.maxResponseBytes,
        callGasLimit: rpc.callGasLimit,
        maxConcurrentPerClient: rpc.maxConcurrentPerClient,
        maxLogsBlockRange: rpc.maxLogsBlockRange,
        maxLogsPerResponse: rpc.maxLogsPerResponse,
        maxFilters: rpc.maxFilters,
        allowedHosts: rpc.allowedHosts,
        corsOrigins: rpc.corsOrigins,
        authToken: rpc.authTokenFile ? readAuthToken(rpc.authTokenFile) : undefined,
        wsMaxConnections: rpc.wsMaxConnections,
        wsMaxSubscriptionsPerConnection: rpc.wsMaxSubscriptionsPerConnection,
        wsMaxBufferedBytes: rpc.wsMaxBufferedBytes,
        wsPingIntervalMs: rpc.wsPingIntervalMs,
      },
      { backend: this, logger: this.logger.child({ component: 'rpc' }), metrics: this.metrics },
    );
    if (!rpc.authTokenFile && !isLoopbackHost(rpc.host))
      this.logger.warn(
        { host: rpc.host, port: rpc.port },
        'RPC listens beyond loopback without a bearer token (rpc.authTokenFile): anyone who reaches the port can read the ledger and submit transactions',
      );
  }

  /** What this node is in the node list now (a node not listed follows as an observer would). */
  get role(): 'sealer' | 'observer' {
    const me = this.chain.consensusNodes().find((n) => equalBytes(n.nodeId, this.nodeId));
    return me?.role ?? 'observer';
  }

  get status(): NodeStatus {
    return this.statusValue;
  }

  /**
   * Opens, wires and starts a node. Every resource is pushed onto the close list as it is
   * opened; if any step fails, the list is unwound in reverse (nothing stays open: no
   * LevelDB lock, no worker thread, no listening socket) and the error is rethrown.
   */
  static async start(config: ResolvedNodeConfig, opts: { logger?: Logger } = {}): Promise<LingdingNode> {
    assertSupportedNode(); // the VM's determinism is tested on one Node.js line only
    const logger = opts.logger ?? createLogger({ level: config.log.level, file: config.log.file });
    const closers = new CloseList();
    try {
      return await LingdingNode.open(config, logger, closers);
    } catch (e) {
      await closers.closeAll(logger).catch(() => {}); // already logged; the start error is the one to report
      throw e;
    }
  }

  private static async open(config: ResolvedNodeConfig, logger: Logger, closers: CloseList): Promise<LingdingNode> {
    const genesis = loadGenesisFile(config.genesis);
    const suite = createSuite(genesis.suite);
    const nodeSecret = readNodeKeyFile(config.nodeKey);
    const nodeId = suite.keyPairFromSecret(nodeSecret).publicKey;
    mkdirSync(config.dataDir, { recursive: true });
    const metrics = new NodeMetrics();
    const chain = await Chain.open({
      cpu: metrics.cpu,
      dataDir: join(config.dataDir, 'ledger'),
      genesis,
      suite,
      syncWrites: config.storage.syncWrites,
      stateCacheEntries: config.storage.stateCacheEntries,
      vm: new WasmContractVm(undefined, {
        debugLog: (contract, message) => logger.debug({ component: 'contract', contract }, message),
      }),
    });
    closers.push('ledger', () => chain.close());
    const recovery = new SignatureRecoveryPool(suite, {
      workers: config.txpool.verifyWorkers,
      onWorkerCpu: (micros) => metrics.cpu.addSignatureMicros(micros),
    });
    closers.push('signature workers', () => recovery.close());
    const { verifyWorkers: _, ...poolLimits } = config.txpool;
    // Set below once constructed; gossip delivers peers' transactions only after it starts.
    let node: LingdingNode | undefined;
    const pool = new TxPool(
      {
        ...poolLimits,
        chainId: genesis.chainId,
        ethereumChainId: genesis.ethereumChainId,
        blockLimitWindow: genesis.blockLimitWindow,
      },
      {
        suite,
        recovery,
        chain: poolChainViewOf(chain),
        onEvicted: (reason, count) => metrics.txsEvicted.inc({ reason }, count),
        onAdmitted: (entry) => node?.rpc.events.transactionAdmitted(entry),
        cpu: metrics.cpu,
      },
    );
    pool.startExpiry();
    closers.push('pool expiry', () => pool.close());
    const { engine, network } = createEngine(config, {
      genesis,
      chain,
      pool,
      recovery,
      logger,
      metrics,
      nodeSecret,
      nodeId,
      admit: (raw) => node!.admit(raw),
    });
    const supervisor = config.supervision
      ? createSupervisor(config.supervision, config.consensus.emptyBlockIntervalMs, {
          chain,
          suite,
          peerHead: () => node?.syncStatus().highestPeerBlock ?? chain.head.number,
          logger: logger.child({ component: 'supervision' }),
          onAlert: (alert) => node?.rpc.events.alertRaised(alert),
          metrics: {
            blockIndexed(height, seconds, rulesSeconds, alerts) {
              metrics.supervisionIndexedHeight.set(height);
              metrics.supervisionBlockSeconds.observe(seconds);
              metrics.supervisionRulesSeconds.observe(rulesSeconds);
              for (const a of alerts) metrics.supervisionAlerts.inc({ kind: a.kind });
            },
          },
        })
      : null;
    node = new LingdingNode(
      { config, genesis, nodeId },
      { suite, chain, pool, engine, network, metrics, logger, closers, supervisor },
    );
    node.wire();
    if (supervisor) {
      // Catches the index up with the chain before the node takes part, then follows it.
      await supervisor.start();
      closers.push('supervision', () => supervisor.stop());
    }
    const { rpc } = node;
    await startListener('rpc', () => rpc.start());
    closers.push('rpc', () => rpc.stop());
    if (network) {
      await startListener('p2p', () => network.net.start());
      closers.push('p2p', () => network.net.stop());
      closers.push('node list gate', followNodeList(chain, network.net, logger.child({ component: 'p2p' })));
    }
    // Pushed before gossip and sync so that they stop first, then the engine (which
    // drains the queue they share), then the network: the order stop() always had.
    closers.push('engine', () => engine.stop());
    if (network) {
      network.gossip.start();
      closers.push('gossip', () => network.gossip.stop());
      network.sync.start();
      closers.push('sync', () => network.sync.stop());
    }
    await engine.start();
    node.statusValue = NodeStatus.Running;
    logger.info(
      {
        rpc: rpc.url,
        p2p: network?.net.listenAddress,
        height: chain.head.number,
        chainId: genesis.chainId,
        nodeId: hexKey(nodeId),
        role: node.role,
        engine: engine.name,
      },
      'node started',
    );
    return node;
  }

  private wire(): void {
    this.metrics.height.set(this.chain.head.number);
    this.chain.on('block', (executed, head) => {
      this.rpc.events.blockCommitted(executed);
      const now = Date.now();
      if (this.lastBlockAt) this.metrics.blockInterval.observe((now - this.lastBlockAt) / 1000);
      this.lastBlockAt = now;
      this.metrics.height.set(head.number);
      this.metrics.blocksCommitted.inc();
      this.metrics.txsCommitted.inc(executed.block.transactions.length);
      this.metrics.pendingTxs.set(this.pool.size);
      this.metrics.pendingBytes.set(this.pool.bytes);
      if (this.waiters.size > 0) {
        executed.txHashes.forEach((h, index) => {
          const k = hexKey(h);
          const list = this.waiters.get(k);
          if (list) {
            this.waiters.delete(k);
            for (const w of list) w({ executed, index });
          }
        });
      }
    });
  }

  peers(): Array<{ nodeId: string; address: string; direction: string }> {
    return this.network
      ? this.network.net.peers().map((p) => ({ nodeId: p.nodeId, address: p.address, direction: p.direction }))
      : [];
  }

  syncStatus(): { blockNumber: number; highestPeerBlock: number; syncing: boolean } {
    if (this.network) return this.network.sync.status();
    const n = this.chain.head.number;
    return { blockNumber: n, highestPeerBlock: n, syncing: false };
  }

  get rpcUrl(): string {
    return this.rpc.url;
  }

  /** A transaction from a client: admitted, then relayed to the other nodes. */
  async submitTransaction(raw: Uint8Array): Promise<PoolEntry> {
    const entry = await this.admit(raw);
    this.network?.gossip.relay(raw);
    return entry;
  }

  /** Admits a transaction to the local pool (from a client or from a peer). */
  async admit(raw: Uint8Array): Promise<PoolEntry> {
    try {
      const entry = await this.pool.submit(raw);
      this.metrics.pendingTxs.set(this.pool.size);
      this.engine.onTransactionAdmitted();
      return entry;
    } catch (e) {
      if (e instanceof TxRejectedError) this.metrics.txsRejected.inc({ code: e.code });
      throw e;
    }
  }

  waitForCommit(hashHex: string, timeoutMs: number): Promise<CommittedTx> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(hashHex);
        if (list) {
          const rest = list.filter((w) => w !== done);
          if (rest.length) this.waiters.set(hashHex, rest);
          else this.waiters.delete(hashHex);
        }
        reject(new Error('timeout'));
      }, timeoutMs);
      const done = (c: CommittedTx) => {
        clearTimeout(timer);
        resolve(c);
      };
      const list = this.waiters.get(hashHex) ?? [];
      list.push(done);
      this.waiters.set(hashHex, list);
    });
  }

  /** Stops everything the start opened, newest first; a second call does nothing. */
  async stop(): Promise<void> {
    if (this.statusValue === NodeStatus.Stopping || this.statusValue === NodeStatus.Stopped) return;
    this.statusValue = NodeStatus.Stopping;
    try {
      await this.closers.closeAll(this.logger);
    } finally {
      this.statusValue = NodeStatus.Stopped;
      this.logger.info('node stopped');
      this.logger.flush?.();
    }
  }
}

/** Opens a listener; a port in use or an address that cannot be bound is a NodeStartError. */
async function startListener(component: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (e) {
    throw new NodeStartError(
      NodeErrorCode.StartFailed,
      `cannot start: ${(e as Error).message}`,
      { component },
      { cause: e },
    );
  }
}

/** True for a bind address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The RPC bearer token from rpc.authTokenFile: one line of at least 16 characters. */
function readAuthToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new ConfigError(`rpc.authTokenFile ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (token.length < 16 || /\s/.test(token))
    throw new ConfigError(`rpc.authTokenFile ${file}: the token must be one word of at least 16 characters`);
  return token;
}
