import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Chain } from '../../node/chain/chain.js';
import { ConfigError, ConfigErrorCode, loadGenesisFile } from '../../node/config/genesis.js';
import { loadNodeConfigFile, type ResolvedNodeConfig } from '../../node/config/node-config.js';
import { createSuite } from '../../node/crypto/index.js';
import { SignatureRecoveryPool } from '../../node/crypto/verify-pool.js';
import { silentLogger } from '../../node/log/logger.js';
import { NodeStartError } from '../../node/main/errors.js';
import { LingdingNode, NodeStatus } from '../../node/main/node.js';
import { createSoloChain } from '../../tools/devnet/local-chain.js';
import { inProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';

/** Holds a TCP port on loopback, as another process would. */
async function occupy(port: number): Promise<Server> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
  });
  return s;
}

async function closeServer(s: Server): Promise<void> {
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

/**
 * What a node that failed to start must have released: its LevelDB (a second open in
 * this process would fail on the lock), its worker threads and its RPC port.
 */
async function expectNothingOpen(config: ResolvedNodeConfig, workersBefore: number): Promise<void> {
  expect(SignatureRecoveryPool.liveWorkers).toBe(workersBefore);
  const genesis = loadGenesisFile(config.genesis);
  const chain = await Chain.open({
    dataDir: join(config.dataDir, 'ledger'),
    genesis,
    suite: createSuite(genesis.suite),
    syncWrites: false,
  });
  await chain.close();
  await closeServer(await occupy(config.rpc.port));
  if (config.p2p) await closeServer(await occupy(config.p2p.port));
}

describe('a node that fails to start leaves nothing open', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function pbftNode(): Promise<{ c: InProcessCluster; config: ResolvedNodeConfig }> {
    const c = await inProcessCluster(1, 0);
    cleanups.push(() => c.close());
    return { c, config: loadNodeConfigFile(c.nodes[0].configFile) };
  }

  it('a corrupt PBFT safety file: the start fails, the ledger and worker threads are closed', async () => {
    const { config } = await pbftNode();
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(join(config.dataDir, 'pbft-safety.bin'), Buffer.from('not a safety state'));
    const workers = SignatureRecoveryPool.liveWorkers;
    await expect(LingdingNode.start(config, { logger: silentLogger() })).rejects.toThrow(
      /PBFT safety file .*pbft-safety.bin is not a safety state/,
    );
    await expectNothingOpen(config, workers);
  });

  it('an RPC port already in use: a NodeStartError, and the ledger and worker threads are closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const local = await createSoloChain(dir, { accounts: 1, node: { storage: { syncWrites: false } } });
    const config = loadNodeConfigFile(local.nodes[0].configFile);
    const held = await occupy(config.rpc.port);
    const workers = SignatureRecoveryPool.liveWorkers;
    const err = await LingdingNode.start(config, { logger: silentLogger() }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeStartError);
    expect(err).toMatchObject({ code: 'START_FAILED', details: { component: 'rpc' } });
    expect((err as Error).message).toMatch(/^cannot start: .*EADDRINUSE/);
    await closeServer(held);
    await expectNothingOpen(config, workers);

    // And the same node starts and stops normally once the port is free.
    const node = await LingdingNode.start(config, { logger: silentLogger() });
    expect(node.status).toBe(NodeStatus.Running);
    await node.stop();
    expect(node.status).toBe(NodeStatus.Stopped);
    await node.stop(); // a second stop does nothing
    await expectNothingOpen(config, workers);

    // A genesis file that is not the one the data directory was created with.
    const genesis = JSON.parse(readFileSync(local.genesisFile, 'utf8'));
    writeFileSync(local.genesisFile, JSON.stringify({ ...genesis, timestamp: genesis.timestamp + 1 }));
    const mismatch = await LingdingNode.start(config, { logger: silentLogger() }).catch((e) => e);
    expect(mismatch).toBeInstanceOf(ConfigError);
    expect(mismatch).toMatchObject({ code: ConfigErrorCode.GenesisMismatch });
    expect((mismatch as Error).message).toMatch(/^the data directory holds a different chain/);
    expect(SignatureRecoveryPool.liveWorkers).toBe(workers);
    await closeServer(await occupy(config.rpc.port));
  });

  it('a p2p port already in use: the RPC listener it had opened is closed too', async () => {
    const { config } = await pbftNode();
    const held = await occupy(config.p2p!.port);
    const workers = SignatureRecoveryPool.liveWorkers;
    const err = await LingdingNode.start(config, { logger: silentLogger() }).catch((e) => e);
    expect(err).toMatchObject({ name: 'NodeStartError', code: 'START_FAILED', details: { component: 'p2p' } });
    await closeServer(held);
    await expectNothingOpen(config, workers);
  });

  it('a config fault found at start is a ConfigError with a code, and closes the ledger', async () => {
    const { c } = await pbftNode();
    const file = c.nodes[0].configFile;
    const json = JSON.parse(readFileSync(file, 'utf8'));
    delete json.p2p;
    writeFileSync(file, JSON.stringify(json));
    const config = loadNodeConfigFile(file);
    const workers = SignatureRecoveryPool.liveWorkers;
    const err = await LingdingNode.start(config, { logger: silentLogger() }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: ConfigErrorCode.PbftWithoutP2p });
    expect((err as Error).message).toBe(
      'the pbft engine needs a p2p section in the node config (listen port and peers)',
    );
    await expectNothingOpen(config, workers);

    writeFileSync(file, JSON.stringify({ ...json, consensus: { ...json.consensus, engine: 'solo' } }));
    // One validator, and this node is it: solo accepts it.
    const solo = await LingdingNode.start(loadNodeConfigFile(file), { logger: silentLogger() });
    expect(solo.engine.name).toBe('solo');
    await solo.stop();
  });
});
