import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../node/codec/hex.js';
import { loadNodeConfigFile } from '../../node/config/node-config.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { generateNodeKey, nodeIdOf, writeNodeKeyFile } from '../../node/crypto/node-key.js';
import { createLogger, silentLogger } from '../../node/log/logger.js';
import { LingdingNode } from '../../node/main/node.js';
import { RpcClient } from '../../tools/client/rpc-client.js';
import { freePort } from '../../tools/devnet/local-chain.js';

export interface InProcessCluster {
  dir: string;
  chainId: string;
  nodes: Array<{ name: string; configFile: string; node: LingdingNode | null; client: RpcClient; nodeId: string }>;
  accounts: KeyPair[];
  start(i: number): Promise<void>;
  stop(i: number): Promise<void>;
  close(): Promise<void>;
}

/** n validators + m observers, each a real node (LevelDB, libp2p over loopback, HTTP RPC) in this process. */
export async function inProcessCluster(
  validators: number,
  observers: number,
  opts: { viewTimeoutMs?: number } = {},
): Promise<InProcessCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-pbft-'));
  const suite = createEcdsaSuite();
  const accounts = [suite.generateKeyPair()];
  const specs = await Promise.all(
    Array.from({ length: validators + observers }, async (_, i) => ({
      name: i < validators ? `validator${i}` : `observer${i - validators}`,
      secret: generateNodeKey(),
      rpc: await freePort(),
      p2p: await freePort(),
    })),
  );
  const ids = specs.map((s) => nodeIdOf(s.secret));
  const chainId = 'pbft-test';
  writeFileSync(
    join(dir, 'genesis.json'),
    JSON.stringify({
      chainId,
      suite: 'ecdsa',
      timestamp: 1_700_000_000_000,
      sealers: ids.slice(0, validators),
      observers: ids.slice(validators).map((nodeId) => ({ nodeId, regulator: true })),
      committee: [toHex(accounts[0].address)],
    }),
  );
  const nodes = specs.map((s, i) => {
    const nd = join(dir, s.name);
    mkdirSync(nd);
    writeNodeKeyFile(join(nd, 'node.pem'), s.secret);
    const configFile = join(nd, 'node.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        genesis: '../genesis.json',
        dataDir: 'data',
        nodeKey: 'node.pem',
        rpc: { port: s.rpc },
        p2p: {
          port: s.p2p,
          peers: specs
            .filter((_, j) => j !== i)
            .map((p) => ({ nodeId: ids[specs.indexOf(p)], host: '127.0.0.1', port: p.p2p })),
        },
        consensus: {
          engine: 'pbft',
          emptyBlockIntervalMs: 1000,
          minSealDelayMs: 5,
          viewTimeoutMs: opts.viewTimeoutMs ?? 1500,
        },
        storage: { syncWrites: false },
        txpool: { verifyWorkers: 1 },
      }),
    );
    return {
      name: s.name,
      configFile,
      node: null as LingdingNode | null,
      client: new RpcClient(`http://127.0.0.1:${s.rpc}`),
      nodeId: ids[i],
    };
  });
  const logger = process.env.LINGDING_TEST_LOGS ? createLogger({ level: 'debug' }) : silentLogger();
  const c: InProcessCluster = {
    dir,
    chainId,
    nodes,
    accounts,
    async start(i) {
      nodes[i].node = await LingdingNode.start(loadNodeConfigFile(nodes[i].configFile), {
        logger: logger.child({ node: nodes[i].name }),
      });
    },
    async stop(i) {
      await nodes[i].node?.stop();
      nodes[i].node = null;
    },
    async close() {
      await Promise.all(nodes.map((_, i) => c.stop(i).catch(() => {})));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}
