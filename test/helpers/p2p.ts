import { randomBytes } from 'node:crypto';
import { nodeIdFromSecretKey, type NodeId } from '../../node/p2p/identity.js';
import { P2PNetwork } from '../../node/p2p/network.js';
import type { P2PLogger, P2PNetworkOptions, PeerAddress } from '../../node/p2p/types.js';

/** Test support: real networks on 127.0.0.1 with a log that tests can wait on. */

export interface LogEntry {
  readonly level: keyof P2PLogger;
  readonly message: string;
  readonly context: Record<string, unknown>;
}

/** A logger that records entries; set P2P_TEST_LOG=1 to also print them. */
export function recordingLogger(name: string): { logger: P2PLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: keyof P2PLogger) =>
    (context: object, message: string): void => {
      entries.push({ level, message, context: context as Record<string, unknown> });
      if (process.env.P2P_TEST_LOG) console.log(`[${name}] ${level} ${message}`, context);
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries };
}

export interface TestKey {
  readonly secretKey: Uint8Array;
  readonly nodeId: NodeId;
}

export function makeKeys(n: number): TestKey[] {
  return Array.from({ length: n }, () => {
    const secretKey = new Uint8Array(randomBytes(32));
    return { secretKey, nodeId: nodeIdFromSecretKey(secretKey) };
  });
}

export interface TestNode {
  readonly net: P2PNetwork;
  readonly key: TestKey;
  readonly log: LogEntry[];
  readonly address: PeerAddress;
}

export const PREFIX = '/lingding/testchain';

/** Starts a network for `key` on 127.0.0.1 with fast redials, admitting `allowed`. */
export async function startNode(
  key: TestKey,
  allowed: readonly TestKey[],
  peers: readonly PeerAddress[],
  extra: Partial<P2PNetworkOptions> = {},
): Promise<TestNode> {
  const { logger, entries } = recordingLogger(key.nodeId.slice(0, 6));
  const net = new P2PNetwork(
    {
      secretKey: key.secretKey,
      listen: { host: '127.0.0.1', port: 0 },
      nodes: allowed.map((k) => ({ nodeId: k.nodeId })),
      peers,
      protocolPrefix: PREFIX,
      reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
      ...extra,
    },
    { logger },
  );
  await net.start();
  return { net, key, log: entries, address: { nodeId: key.nodeId, ...net.listenAddress } };
}

/** Starts nodes in order, each dialling the ones before it, so they form a full mesh. */
export async function startMesh(keys: readonly TestKey[]): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (const key of keys)
    nodes.push(
      await startNode(
        key,
        keys,
        nodes.map((n) => n.address),
      ),
    );
  return nodes;
}
