import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Chain } from '../chain/chain.js';
import { hexKey } from '../codec/hex.js';
import { loadGenesisFile, type GenesisConfig } from '../config/genesis.js';
import type { ResolvedNodeConfig } from '../config/node-config.js';
import { createSuite } from '../crypto/index.js';
import { readNodeKeyFile } from '../crypto/node-key.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { ConsensusEngine } from '../engine/engine.js';
import { SoloSealer } from '../engine/solo.js';
import { createLogger } from '../log/logger.js';
import { NodeMetrics } from '../metrics/metrics.js';
import type { CommittedTx, RpcBackend } from '../rpc/methods.js';
import { RpcServer } from '../rpc/server.js';
import { TxRejectedError } from '../txpool/errors.js';
import { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { DEFAULT_POOL_OPTIONS, TxPool, type PoolEntry } from '../txpool/pool.js';
import { equalBytes } from '../codec/canonical.js';

export const LINGDING_VERSION = '0.1.0';

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
    });
    const sealers = chain.consensusNodes().filter((n) => n.role === 'sealer');
    if (config.consensus.engine === 'solo') {
      if (sealers.length !== 1 || !equalBytes(sealers[0].nodeId, nodeKey.publicKey)) {
        await chain.close();
        throw new Error('the solo engine needs a genesis with exactly one sealer, and this node must be it');
      }
    } else {
      await chain.close();
      throw new Error(`consensus engine '${config.consensus.engine}' is not available in this build`);
    }
    const metrics = new NodeMetrics();
    const recovery = new SignatureRecoveryPool(suite, { workers: config.txpool.verifyWorkers });
    const pool = new TxPool(
      { ...DEFAULT_POOL_OPTIONS, ...stripUndefined(config.txpool), chainId: genesis.chainId, blockLimitWindow: genesis.blockLimitWindow },
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
    const engine = new SoloSealer(
      { emptyBlockIntervalMs: config.consensus.emptyBlockIntervalMs, minSealDelayMs: config.consensus.minSealDelayMs, sealerSecretKey: nodeSecret },
      { chain, pool, logger: logger.child({ component: 'solo' }), metrics },
    );
    const node = new LingdingNode(config, genesis, suite, chain, pool, recovery, engine, metrics, logger, nodeKey.publicKey);
    node.wire();
    const { rpc } = node;
    try {
      await rpc.start();
    } catch (e) {
      await recovery.close();
      await chain.close();
      throw new Error(`cannot listen for RPC on ${config.rpc.host}:${config.rpc.port}: ${(e as Error).message}`);
    }
    await engine.start();
    logger.info(
      { rpc: rpc.url, height: chain.head.number, chainId: genesis.chainId, nodeId: hexKey(nodeKey.publicKey), role: node.role, engine: engine.name },
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

  get rpcUrl(): string {
    return this.rpc.url;
  }

  async submitTransaction(raw: Uint8Array): Promise<PoolEntry> {
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
    await this.engine.stop();
    await this.rpc.stop();
    await this.recovery.close();
    await this.chain.close();
    this.logger.info('node stopped');
    this.logger.flush?.();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
