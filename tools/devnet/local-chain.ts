import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';
import { toHex } from '../../node/codec/hex.js';
import {
  type NodeSettings,
  withNodeSettings,
  writeGenesisFile,
  writeNodeConfigFile,
} from '../../node/config/writer.js';
import { committeeOf, type GenesisInput } from '../../node/config/genesis.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { generateNodeKey, nodeIdOf, writeNodeKeyFile } from '../../node/crypto/node-key.js';
import { RpcClient } from '../client/rpc-client.js';
import { builtCliArgs, NODE_PROCESS_FLAGS, PACKAGE_ROOT } from '../../node/package/index.js';

export interface LocalNodeFiles {
  readonly dir: string;
  readonly configFile: string;
  readonly nodeSecret: Uint8Array;
  readonly rpcPort: number;
}

export interface LocalChain {
  readonly dir: string;
  readonly chainId: string;
  readonly genesisFile: string;
  readonly nodes: LocalNodeFiles[];
  /** Committee accounts, with their secret keys (test and bench use only). */
  readonly accounts: KeyPair[];
}

/** Finds a free TCP port on loopback by binding port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** What a one-validator chain is made of; the devnet and the test chains differ only in these. */
export interface SoloChainSpec {
  /** Where genesis.json goes. */
  readonly dir: string;
  /** Where the node's key, config, ledger and log go (default: `dir`). */
  readonly nodeDir?: string;
  readonly chainId: string;
  readonly timestamp: number;
  /** The governing committee (committeeOf(addresses) for members of weight 1 under the default rules). */
  readonly committee: GenesisInput['committee'];
  readonly regulators?: GenesisInput['regulators'];
  readonly systemConfig?: Record<string, string>;
  readonly rpcPort: number;
  /** Node settings on top of the node's defaults. */
  readonly node?: NodeSettings;
}

/**
 * The one layout of a solo chain (used by `lingding devnet --solo`, tests and benchmarks):
 * a new node key, a genesis naming it the only validator, and a node config running the
 * solo engine with paths relative to the node's folder.
 */
export function writeSoloChain(spec: SoloChainSpec): LocalNodeFiles {
  const root = resolve(spec.dir);
  const nodeDir = resolve(root, spec.nodeDir ?? '.');
  const nodeSecret = generateNodeKey();
  const genesisFile = join(root, 'genesis.json');
  writeGenesisFile(genesisFile, {
    chainId: spec.chainId,
    suite: 'ecdsa',
    timestamp: spec.timestamp,
    sealers: [nodeIdOf(nodeSecret)],
    committee: spec.committee,
    regulators: spec.regulators,
    systemConfig: spec.systemConfig,
  });
  mkdirSync(nodeDir, { recursive: true });
  writeNodeKeyFile(join(nodeDir, 'node.pem'), nodeSecret);
  const configFile = join(nodeDir, 'node.json');
  writeNodeConfigFile(
    configFile,
    withNodeSettings(
      {
        genesis: relative(nodeDir, genesisFile).split(sep).join('/'),
        dataDir: 'data',
        nodeKey: 'node.pem',
        rpc: { port: spec.rpcPort },
        consensus: { engine: 'solo' },
        log: { file: 'node.log' },
      },
      spec.node,
    ),
  );
  return { dir: nodeDir, configFile, nodeSecret, rpcPort: spec.rpcPort };
}

/**
 * A complete one-validator chain under `dir` (node in `node0/`, on a free port, with fresh
 * committee keys), for tests and benchmarks that run real node processes.
 */
export async function createSoloChain(
  dir: string,
  opts: {
    chainId?: string;
    accounts?: number;
    /** Regulators' accounts named by genesis. */
    regulators?: GenesisInput['regulators'];
    systemConfig?: Record<string, string>;
    /** Node settings on top of the node's defaults. */
    node?: NodeSettings;
  } = {},
): Promise<LocalChain> {
  const root = resolve(dir);
  const suite = createEcdsaSuite();
  const accounts = Array.from({ length: opts.accounts ?? 1 }, () => suite.generateKeyPair());
  const chainId = opts.chainId ?? 'lingding-test';
  const node = writeSoloChain({
    dir: root,
    nodeDir: 'node0',
    chainId,
    timestamp: 1_700_000_000_000,
    // Every account is a member of weight 1, voting by the default rules.
    committee: committeeOf(accounts.map((a) => toHex(a.address))),
    regulators: opts.regulators,
    systemConfig: opts.systemConfig,
    rpcPort: await freePort(),
    node: opts.node,
  });
  return { dir: root, chainId, genesisFile: join(root, 'genesis.json'), nodes: [node], accounts };
}

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly rpcUrl: string;
  readonly client: RpcClient;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `lingding node start` as a separate OS process and waits until its RPC answers. */
export async function spawnNode(
  node: LocalNodeFiles,
  opts: { timeoutMs?: number; nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<NodeProcess> {
  // The node runs the build directly under this Node binary (no wrapper process), so the
  // pid is the node's own: signals and RSS readings hit the right process.
  const child = spawn(
    process.execPath,
    [...NODE_PROCESS_FLAGS, ...(opts.nodeArgs ?? []), ...builtCliArgs(['node', 'start', '--config', node.configFile])],
    { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout!.resume();
  const rpcUrl = `http://127.0.0.1:${node.rpcPort}`;
  const client = new RpcClient(rpcUrl);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}: ${stderr}`);
    try {
      await client.call('getBlockNumber');
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`node did not answer RPC within ${opts.timeoutMs ?? 30_000} ms: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    child,
    rpcUrl,
    client,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
