import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNodeConfigFile } from '../../node/config/node-config.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { createLogger, silentLogger } from '../../node/log/logger.js';
import { LingdingNode } from '../../node/main/node.js';
import { RpcClient } from '../../tools/client/rpc-client.js';
import { createCluster } from '../../tools/devnet/cluster.js';
import { testNodeConfig } from './node-config.js';

export interface InProcessCluster {
  dir: string;
  chainId: string;
  nodes: Array<{ name: string; configFile: string; node: LingdingNode | null; client: RpcClient; nodeId: string }>;
  accounts: readonly KeyPair[];
  start(i: number): Promise<void>;
  stop(i: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * n validators + m (regulator) observers, then `spares` nodes that genesis does not list
 * (for admission by proposal), each a real node (LevelDB, libp2p over loopback,
 * HTTP RPC) in this process. The files are the ones the tools write for a local cluster
 * (createCluster), with the fast test settings; only where the nodes run differs.
 */
export async function inProcessCluster(
  validators: number,
  observers: number,
  opts: { viewTimeoutMs?: number; emptyBlockIntervalMs?: number; spares?: number } = {},
): Promise<InProcessCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-pbft-'));
  const cluster = await createCluster(dir, {
    validators,
    observers,
    accounts: 1,
    chainId: 'pbft-test',
    timestamp: 1_700_000_000_000,
    node: testNodeConfig({
      consensus: { viewTimeoutMs: opts.viewTimeoutMs, emptyBlockIntervalMs: opts.emptyBlockIntervalMs },
    }),
    spares: opts.spares,
  });
  const nodes = [...cluster.nodes, ...cluster.spares].map((n) => ({
    name: n.name,
    configFile: n.configFile,
    node: null as LingdingNode | null,
    client: new RpcClient(`http://127.0.0.1:${n.rpcPort}`),
    nodeId: n.nodeId,
  }));
  const logger = process.env.LINGDING_TEST_LOGS ? createLogger({ level: 'debug' }) : silentLogger();
  const c: InProcessCluster = {
    dir,
    chainId: cluster.chainId,
    nodes,
    accounts: cluster.accounts,
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
