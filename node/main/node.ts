import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Chain } from '../chain/chain.js';
import { hexKey } from '../codec/hex.js';
import { encodeTx } from '../codec/tx.js';
import { WasmContractVm } from '../exec/wasm-vm.js';
import { loadGenesisFile, type GenesisConfig } from '../config/genesis.js';
import type { ResolvedNodeConfig } from '../config/node-config.js';
import { createSuite } from '../crypto/index.js';
import { readNodeKeyFile } from '../crypto/node-key.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { ConsensusEngine } from '../engine/engine.js';
import { SoloSealer } from '../engine/solo.js';
import { PbftEngine } from '../engine/pbft.js';
import { SerialQueue } from '../engine/serial-queue.js';
import { TxGossip } from '../engine/tx-gossip.js';
import { P2PNetwork } from '../p2p/index.js';
import { BlockSync } from '../sync/block-sync.js';
import { createLogger } from '../log/logger.js';
import { NodeMetrics } from '../metrics/metrics.js';
import type { CommittedTx, RpcBackend } from '../rpc/methods.js';
import { RpcServer } from '../rpc/server.js';
import { TxRejectedError } from '../txpool/errors.js';
import { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { TxPool, type PoolEntry } from '../txpool/pool.js';
import { equalBytes } from '../codec/canonical.js';

export const LINGDING_VERSION = '0.1.0';

/** The parts a networked (PBFT) node has and a solo node does not. */
export interface Networking {
  readonly net: P2PNetwork;
  readonly sync: BlockSync;
  gossip: TxGossip | null;
}

/**
 * One Lingding node: ledger + pool + consensus engine + RPC, wired from a config file.
 * Components are constructed here and nowhere else, so the dependency graph is visible
 * in one place.
 */
export class LingdingNode implements RpcBackend {
  readonly role: 'sealer' | 'observer';
  readonly version = LINGDING_VERSION;
  private readonly waiters = new Map<string, Array<(c: CommittedTx) => void>>();
  private lastBlockAt = 0;
  readonly rpc: RpcServer;

  private constructor(
    readonly config: ResolvedNodeConfig,
    readonly genesis: GenesisConfig,
    readonly suite: CryptoSuite,
    readonly chain: Chain,
    readonly pool: TxPool,
    private readonly recovery: SignatureRecoveryPool,
    readonly engine: ConsensusEngine,
    readonly network: Networking | null,
    readonly metrics: NodeMetrics,
    readonly logger: Logger,
    readonly nodeId: Uint8Array,
  ) {
    const { rpc } = config;
    this.rpc = new RpcServer(
      { host: rpc.host, port: rpc.port, maxBodyBytes: rpc.maxBodyBytes, maxBatch: rpc.maxBatch },
      { backend: this, logger: logger.child({ component: 'rpc' }), metrics },
    );
    const me = chain.consensusNodes().find((n) => equalBytes(n.nodeId, nodeId));
    this.role = me?.role ?? 'observer';
  }

  static async start(config: ResolvedNodeConfig, opts: { logger?: Logger } = {}): Promise<LingdingNode> {
    const logger = opts.logger ?? createLogger({ level: config.log.level, file: config.log.file });
    const genesis = loadGenesisFile(config.genesis);
    const suite = createSuite(genesis.suite);
    const nodeSecret = readNodeKeyFile(config.nodeKey);
    const nodeKey = suite.keyPairFromSecret(nodeSecret);
    mkdirSync(config.dataDir, { recursive: true });
    const chain = await Chain.open({
      dataDir: join(config.dataDir, 'ledger'),
      genesis,
      suite,
      syncWrites: config.storage.syncWrites,
      stateCacheEntries: config.storage.stateCacheEntries,
      vm: new WasmContractVm(undefined, {
        debugLog: (contract, message) => logger.debug({ component: 'contract', contract }, message),
      }),
    });
    const sealers = chain.consensusNodes().filter((n) => n.role === 'sealer');
    if (
      config.consensus.engine === 'solo' &&
      (sealers.length !== 1 || !equalBytes(sealers[0].nodeId, nodeKey.publicKey))
    ) {
      await chain.close();
      throw new Error('the solo engine needs a genesis with exactly one sealer, and this node must be it');
    }
    if (config.consensus.engine === 'pbft' && !config.p2p) {
      await chain.close();
      throw new Error('the pbft engine needs a p2p section in the node config (listen port and peers)');
    }
    const metrics = new NodeMetrics();
    const recovery = new SignatureRecoveryPool(suite, { workers: config.txpool.verifyWorkers });
    const { verifyWorkers: _, ...poolLimits } = config.txpool;
    const pool = new TxPool(
      { ...poolLimits, chainId: genesis.chainId, blockLimitWindow: genesis.blockLimitWindow },
      {
        suite,
        recovery,
        chain: {
          height: () => chain.head.number,
          txGasLimit: () => chain.systemConfig().txGasLimit,
          nonceOnChain: (n) => chain.nonceOnChain(n),
          txOnChain: (h) => chain.txOnChain(h),
        },
      },
    );
    let engine: ConsensusEngine;
    let network: Networking | null = null;
    if (config.consensus.engine === 'solo') {
      engine = new SoloSealer(
        {
          emptyBlockIntervalMs: config.consensus.emptyBlockIntervalMs,
          minSealDelayMs: config.consensus.minSealDelayMs,
          sealerSecretKey: nodeSecret,
        },
        { chain, pool, logger: logger.child({ component: 'solo' }), metrics },
      );
    } else {
      const p2p = config.p2p!;
      const net = new P2PNetwork(
        {
          secretKey: nodeSecret,
          listen: { host: p2p.host, port: p2p.port },
          nodes: chain.consensusNodes().map((n) => ({ nodeId: hexKey(n.nodeId) })),
          peers: p2p.peers,
          protocolPrefix: `/lingding/${genesis.chainId}`,
        },
        { logger: logger.child({ component: 'p2p' }) },
      );
      const queue = new SerialQueue();
      const pbft = new PbftEngine(
        {
          secretKey: nodeSecret,
          safetyFile: join(config.dataDir, 'pbft-safety.bin'),
          timeouts: { baseMs: config.consensus.viewTimeoutMs },
          emptyBlockIntervalMs: config.consensus.emptyBlockIntervalMs,
          minSealDelayMs: config.consensus.minSealDelayMs,
        },
        { chain, pool, recovery, net, queue, logger: logger.child({ component: 'pbft' }), metrics },
      );
      const sync = new BlockSync(config.sync, {
        chain,
        pool,
        recovery,
        net,
        queue,
        logger: logger.child({ component: 'sync' }),
        onCommitted: () => pbft.input(() => pbft.afterExternalCommit()),
      });
      engine = pbft;
      network = { net, sync, gossip: null };
    }
    const node = new LingdingNode(
      config,
      genesis,
      suite,
      chain,
      pool,
      recovery,
      engine,
      network,
      metrics,
      logger,
      nodeKey.publicKey,
    );
    node.wire();
    const { rpc } = node;
    try {
      await rpc.start();
      if (network) await network.net.start();
    } catch (e) {
      await rpc.stop().catch(() => {});
      await recovery.close();
      await chain.close();
      throw new Error(`cannot start: ${(e as Error).message}`);
    }
    if (network) {
      network.gossip = new TxGossip({
        net: network.net,
        submit: (raw) => node.admit(raw),
        pending: (max) => pool.pending(max).map((e) => encodeTx(e.tx)),
        stale: (ageMs, max) => {
          const before = Date.now() - ageMs;
          return pool
            .pending(max)
            .filter((e) => e.admittedAt < before)
            .map((e) => encodeTx(e.tx));
        },
        logger: logger.child({ component: 'gossip' }),
      });
      network.gossip.start();
      network.sync.start();
    }
    await engine.start();
    logger.info(
      {
        rpc: rpc.url,
        p2p: network?.net.listenAddress,
        height: chain.head.number,
        chainId: genesis.chainId,
        nodeId: hexKey(nodeKey.publicKey),
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
    this.network?.gossip?.relay(raw);
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

  async stop(): Promise<void> {
    this.network?.sync.stop();
    this.network?.gossip?.stop();
    await this.engine.stop();
    await this.network?.net.stop();
    await this.rpc.stop();
    await this.recovery.close();
    await this.chain.close();
    this.logger.info('node stopped');
    this.logger.flush?.();
  }
}
