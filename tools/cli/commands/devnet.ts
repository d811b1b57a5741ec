import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { committeeOf } from '../../../node/config/genesis.js';
import { loadNodeConfigFile } from '../../../node/config/node-config.js';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { writeKeystoreFile } from '../../../node/crypto/keystore.js';
import {
  createCluster,
  loadCluster,
  sequentialPorts,
  startCluster,
  stopCluster,
  writeClusterConfigs,
  type Cluster,
  type PortBase,
  type RunningCluster,
} from '../../devnet/cluster.js';
import { writeSoloChain } from '../../devnet/local-chain.js';
import { CliError, roleWord } from '../output.js';
import { defineCommand } from '../command-table.js';
import { portArg } from './chain.js';
import { runNodeUntilSignal } from './node.js';

/** The development account's keystore password. Development only: printed on start. */
export const DEV_PASSWORD = 'lingding-dev';

export interface DevAccount {
  readonly file: string;
  readonly address: string;
}

/**
 * The development committee account, `<dir>/accounts/dev.json`, created once and shared by
 * the solo and the multi-node devnet, so the same keystore works against either.
 */
export function ensureDevAccount(dir: string): DevAccount {
  const file = join(resolve(dir), 'accounts', 'dev.json');
  if (!existsSync(file)) {
    mkdirSync(join(resolve(dir), 'accounts'), { recursive: true });
    const suite = createEcdsaSuite();
    writeKeystoreFile(file, suite.generateKeyPair().secretKey, DEV_PASSWORD, suite, { scryptN: 1 << 12 });
  }
  return accountOf(file);
}

/** The devnet's supervising regulator: its jurisdiction, and where its account's keystore is. */
export const DEVNET_JURISDICTION = 'CN-GD';

/** Reads a keystore's address (the file is written by writeKeystoreFile). */
function accountOf(file: string): DevAccount {
  const ks = JSON.parse(readFileSync(file, 'utf8')) as { address: string };
  return { file, address: '0x' + ks.address.replace(/^0x/, '') };
}

export interface DevnetLayout {
  readonly dir: string;
  readonly configFile: string;
  readonly accountFile: string;
  readonly accountAddress: string;
}

/** Writes keys, genesis and config for a one-validator development chain, once. */
export function prepareSoloDevnet(dir: string, rpcPort: number): DevnetLayout {
  const root = resolve(dir);
  const configFile = join(root, 'node.json');
  const account = ensureDevAccount(root);
  if (!existsSync(configFile)) {
    writeSoloChain({
      dir: root,
      chainId: 'lingding-dev',
      timestamp: Date.now(),
      committee: committeeOf([account.address]),
      rpcPort,
    });
  }
  return { dir: root, configFile, accountFile: account.file, accountAddress: account.address };
}

/**
 * The multi-node devnet under `<dir>/devnet`: 4 validators and a supervising regulator's
 * observer (a genesis regulator of CN-GD whose node decrypts and indexes the pilots it
 * supervises), built once. It is written to a scratch folder and renamed into place, so an
 * interrupted first run leaves nothing half-built behind. The regulator's account keystore is
 * `<dir>/accounts/regulator.json`, beside the dev account's and under the same password; a
 * devnet built before the regulator supervised has none (`regulator` null).
 */
export async function prepareClusterDevnet(
  dir: string,
  ports: PortBase,
): Promise<{ cluster: Cluster; account: DevAccount; regulator: DevAccount | null; built: boolean }> {
  const root = resolve(dir);
  const account = ensureDevAccount(root);
  const target = join(root, 'devnet');
  const regulatorFile = join(root, 'accounts', 'regulator.json');
  if (existsSync(join(target, 'genesis.json')))
    return {
      cluster: loadCluster(target),
      account,
      regulator: existsSync(regulatorFile) ? accountOf(regulatorFile) : null,
      built: false,
    };
  const scratch = `${target}.building-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  const created = await createCluster(scratch, {
    validators: 4,
    observers: 1,
    accounts: 0,
    committee: [account.address],
    chainId: 'lingding-devnet',
    basePort: ports,
    supervision: { jurisdictions: [DEVNET_JURISDICTION] },
  });
  // A fresh chain has a fresh regulator: a keystore left by an earlier build is replaced.
  const suite = createEcdsaSuite();
  writeKeystoreFile(regulatorFile, created.regulators[0].account.secretKey, DEV_PASSWORD, suite, {
    scryptN: 1 << 12,
    overwrite: true,
  });
  renameSync(scratch, target);
  return { cluster: loadCluster(target), account, regulator: accountOf(regulatorFile), built: true };
}

/** Moves an existing devnet to new base ports (ports are a node-local setting: the chain is unchanged). */
export function movePorts(cluster: Cluster, base: PortBase): Cluster {
  const ports = sequentialPorts(cluster.nodes.length, base);
  writeClusterConfigs(cluster.nodes.map((n, i) => ({ ...n, ...ports[i] })));
  return loadCluster(cluster.dir);
}

/** Refuses to start when any node's port is already bound, naming the port and its node. */
export async function assertPortsFree(cluster: Cluster): Promise<void> {
  for (const n of cluster.nodes) {
    for (const [what, host, port] of [
      ['RPC', '127.0.0.1', n.rpcPort],
      ['p2p', n.host, n.p2pPort],
    ] as const) {
      const err = await tryListen(host, port);
      if (err) {
        const hint =
          err === 'EADDRINUSE' ? 'already in use (another devnet or node running?)' : `not available (${err})`;
        throw new CliError(
          `port ${port} (${n.name} ${what}) is ${hint}; stop whatever holds it, or choose other ports with --rpc-port / --p2p-port`,
        );
      }
    }
  }
}

function tryListen(host: string, port: number): Promise<string | null> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    s.listen({ host, port, exclusive: true }, () => s.close(() => done(null)));
  });
}

/** Keeps the last bytes a process wrote to stderr, to show why it died. */
function stderrTail(rc: RunningCluster, name: string): () => string {
  let tail = '';
  rc.process(name)!.child.stderr!.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-2000);
  });
  return () => tail.trim();
}

/**
 * Runs every node of the devnet as its own OS process until SIGINT/SIGTERM, then stops
 * them all cleanly. A node that dies meanwhile is reported; the others keep running
 * (PBFT tolerates one faulty validator of four), and the devnet ends once none is left.
 */
async function runClusterDevnet(o: DevnetOptions, explicitPorts: boolean): Promise<void> {
  const out = process.stdout;
  const base = { rpc: o.rpcPort, p2p: o.p2pPort };
  let { cluster, account, regulator, built } = await prepareClusterDevnet(o.dir, base);
  if (!built && explicitPorts && (cluster.nodes[0].rpcPort !== base.rpc || cluster.nodes[0].p2pPort !== base.p2p)) {
    cluster = movePorts(cluster, base);
    out.write(`moved the devnet to RPC ports from ${base.rpc} and p2p ports from ${base.p2p}\n`);
  }
  await assertPortsFree(cluster);
  const shown = relative(process.cwd(), cluster.dir);
  out.write(
    `${built ? 'built the devnet in' : 'devnet in'} ${shown.startsWith('..') ? cluster.dir : shown}; starting ${cluster.nodes.length} node processes…\n`,
  );
  let rc: RunningCluster;
  try {
    rc = await startCluster(cluster);
  } catch (e) {
    throw new CliError(`a devnet node failed to start, so none was left running: ${(e as Error).message}`);
  }
  let stopping = false;
  let alive = cluster.nodes.length;
  let settle!: () => void;
  const finished = new Promise<void>((r) => (settle = r));
  for (const n of cluster.nodes) {
    const tail = stderrTail(rc, n.name);
    const { child } = rc.process(n.name)!;
    child.once('exit', (code, signal) => {
      alive--;
      if (!stopping) {
        process.stderr.write(
          `\n!! ${n.name} (pid ${child.pid}) exited unexpectedly with ${signal ? `signal ${signal}` : `code ${code}`}; log: ${join(n.dir, 'node.log')}\n` +
            (tail() ? `   last output: ${tail().split('\n').slice(-5).join('\n   ')}\n` : '') +
            (alive > 0 ? `   ${alive} node(s) still running; Ctrl-C stops them.\n` : '   no node is left running.\n'),
        );
        if (alive === 0) {
          process.exitCode = 1;
          settle();
        }
      }
    });
  }

  const height = await rc.client(cluster.nodes[0].name).call('getBlockNumber');
  const w = Math.max(...cluster.nodes.map((n) => n.name.length));
  const rw = Math.max(...cluster.nodes.map((n) => roleWord(n).length));
  out.write(`Lingding devnet (PBFT) — chain ${cluster.chainId}, height ${height}\n`);
  for (const n of cluster.nodes) {
    out.write(
      `  ${n.name.padEnd(w)}  ${roleWord(n).padEnd(rw)}  http://127.0.0.1:${n.rpcPort}  pid ${rc.process(n.name)!.child.pid}\n`,
    );
  }
  out.write(`  account   ${account.address} (keystore ${account.file}, password '${DEV_PASSWORD}')\n`);
  const supervising = cluster.nodes.find((n) => n.supervision);
  if (regulator && supervising)
    out.write(
      `  regulator ${regulator.address} (keystore ${regulator.file}, password '${DEV_PASSWORD}'), supervising ${DEVNET_JURISDICTION} on ${supervising.name}: lingding regulator pilots|records|trace|alerts --rpc http://127.0.0.1:${supervising.rpcPort}\n`,
    );
  out.write(`  logs      ${join(cluster.dir, '<node>', 'node.log')}\n`);
  out.write('Press Ctrl-C to stop.\n');

  const stop = () => {
    if (stopping) return;
    stopping = true;
    out.write('stopping…\n');
    stopCluster(rc).then(settle, (e) => {
      process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
      process.exitCode = 1;
      settle();
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await finished;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (stopping) out.write('stopped\n');
}

async function runSoloDevnet(o: DevnetOptions): Promise<void> {
  const layout = prepareSoloDevnet(o.dir, o.rpcPort);
  const config = loadNodeConfigFile(layout.configFile);
  const { LingdingNode } = await import('../../../node/main/node.js');
  const node = await LingdingNode.start(config);
  const out = process.stdout;
  out.write(`Lingding devnet (solo validator) — chain ${node.genesis.chainId}, height ${node.chain.head.number}\n`);
  out.write(`  validator rpc ${node.rpcUrl}\n`);
  out.write(`  account   ${layout.accountAddress} (keystore ${layout.accountFile}, password '${DEV_PASSWORD}')\n`);
  out.write(`  logs      ${config.log.file}\n`);
  out.write(`Press Ctrl-C to stop.\n`);
  await runNodeUntilSignal(node, () => out.write('stopping…\n'));
  out.write('stopped\n');
}

interface DevnetOptions {
  dir: string;
  solo?: boolean;
  rpcPort: number;
  p2pPort: number;
}

export function registerDevnetCommand(program: Command): void {
  defineCommand(program, 'devnet')
    .option('--dir <dir>', 'where the devnet lives', '.lingding')
    .option('--solo', 'one validator running the solo engine, in this process, instead (under <dir> itself)')
    .option('--rpc-port <port>', 'first RPC port; nodes count up (solo: first run only)', portArg, 8545)
    .option('--p2p-port <port>', 'first p2p port; nodes count up', portArg, 30300)
    .action(async (o: DevnetOptions, cmd: Command) => {
      if (o.solo) return runSoloDevnet(o);
      const explicit = cmd.getOptionValueSource('rpcPort') === 'cli' || cmd.getOptionValueSource('p2pPort') === 'cli';
      return runClusterDevnet(o, explicit);
    });
}
