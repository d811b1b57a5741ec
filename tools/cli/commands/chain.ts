import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { faultTolerance } from '../../../consensus/pbft/validators.js';
import { toHex } from '../../../node/codec/hex.js';
import { writeGenesisFile, writeNodeConfigFile } from '../../../node/config/writer.js';
import { createEcdsaSuite } from '../../../node/crypto/index.js';
import { writeKeystoreFile } from '../../../node/crypto/keystore.js';
import { generateNodeKey, nodeIdOf, writeNodeKeyFile } from '../../../node/crypto/node-key.js';
import { assignPorts, clusterGenesis, clusterNodeConfig, layoutNodes } from '../../devnet/cluster.js';
import { CliError, print, roleWord } from '../output.js';
import { defineCommand } from '../command-table.js';
import { type PasswordOptions, readPassword } from '../password.js';

export interface ChainBuildOptions {
  validators: number;
  observers: number;
  /** Default: every observer is a regulator's node. */
  regulators?: number;
  hosts: string[];
  chainId: string;
  out: string;
  rpcPort: number;
  p2pPort: number;
  committee: string[];
  /** Encrypts the generated committee keystore; needed only without a named committee. */
  password?: string;
  timestamp?: number;
  set: string[];
}

/** One written node folder, as printed and returned. */
export interface BuiltNode {
  readonly name: string;
  readonly role: string;
  readonly regulator: boolean;
  readonly nodeId: string;
  readonly host: string;
  readonly rpcPort: number;
  readonly p2pPort: number;
  readonly dir: string;
}

export interface BuiltChain {
  readonly out: string;
  readonly chainId: string;
  readonly committee: string[];
  /** The generated committee keystore, when no --committee address was given. */
  readonly committeeKeystore?: string;
  readonly nodes: BuiltNode[];
}

/**
 * FISCO build_chain for Lingding: writes `<out>/<host>/<node>/` with node.pem, node.json
 * and a copy of genesis.json, so each folder can be copied to its machine as it is and
 * started with `lingding node start --config node.json`.
 */
export function buildChain(o: ChainBuildOptions): BuiltChain {
  const out = resolve(o.out);
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new CliError(`${o.out} exists and is not empty; refusing to overwrite node keys`);
  const slots = layoutNodes({
    validators: o.validators,
    observers: o.observers,
    regulators: o.regulators ?? o.observers,
    hosts: o.hosts,
  });
  const ports = assignPorts(slots, { rpc: o.rpcPort, p2p: o.p2pPort });
  const systemConfig = parseSettings(o.set);
  const nodes = slots.map((slot, i) => {
    const secret = generateNodeKey();
    return { ...slot, ...ports[i], secret, nodeId: nodeIdOf(secret), dir: join(out, slot.host, slot.name) };
  });

  // Without a named committee the chain could never be governed: generate one member.
  const suite = createEcdsaSuite();
  const admin = o.committee.length === 0 ? suite.generateKeyPair() : null;
  if (admin && !o.password) {
    throw new CliError(
      'no --committee address given: pass one (repeatable), or a password (--password-file or LINGDING_PASSWORD) to encrypt a generated committee account',
    );
  }
  const committee = admin ? [toHex(admin.address)] : o.committee;
  const genesis = clusterGenesis(nodes, {
    chainId: o.chainId,
    committee,
    timestamp: o.timestamp ?? Date.now(),
    systemConfig,
  });

  writeGenesisFile(join(out, 'genesis.json'), genesis);
  let committeeKeystore: string | undefined;
  if (admin) {
    mkdirSync(join(out, 'accounts'), { recursive: true });
    committeeKeystore = join(out, 'accounts', 'committee.json');
    writeKeystoreFile(committeeKeystore, admin.secretKey, o.password!, suite);
  }
  for (const node of nodes) {
    mkdirSync(node.dir, { recursive: true });
    writeNodeKeyFile(join(node.dir, 'node.pem'), node.secret);
    writeGenesisFile(join(node.dir, 'genesis.json'), genesis);
    // RPC stays on loopback: exposing it beyond the machine is the operator's decision.
    writeNodeConfigFile(
      join(node.dir, 'node.json'),
      clusterNodeConfig(node, nodes, { genesis: 'genesis.json', rpcHost: '127.0.0.1' }),
    );
  }
  return {
    out,
    chainId: genesis.chainId,
    committee: genesis.committee.members.map((m) => m.address),
    committeeKeystore,
    nodes: nodes.map(({ name, role, regulator, nodeId, host, rpcPort, p2pPort, dir }) => ({
      name,
      role,
      regulator,
      nodeId,
      host,
      rpcPort,
      p2pPort,
      dir,
    })),
  };
}

function parseSettings(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of pairs) {
    const i = s.indexOf('=');
    if (i <= 0) throw new CliError(`--set expects key=value, got '${s}'`);
    out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

function count(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
}

/** A TCP port flag; shared with the devnet command. */
export function portArg(v: string): number {
  const n = count(v);
  if (n < 1 || n > 65535) throw new InvalidArgumentError('expected a port between 1 and 65535');
  return n;
}

function hostList(v: string): string[] {
  const hosts = v.split(',').map((h) => h.trim());
  if (hosts.some((h) => h === ''))
    throw new InvalidArgumentError('expected a comma-separated list of hosts without empty entries');
  return hosts;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function summary(c: BuiltChain): string {
  const rows = c.nodes.map((n) => [n.name, roleWord(n), `${n.host}`, String(n.rpcPort), String(n.p2pPort), n.dir]);
  const head = ['node', 'role', 'host', 'rpc', 'p2p', 'folder'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((x, i) => x.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const validators = c.nodes.filter((n) => n.role === 'sealer').length;
  const lines = [
    `chain ${c.chainId}: ${c.nodes.length} nodes under ${c.out}; PBFT with ${validators} validator(s) tolerates ${faultTolerance(validators)} faulty`,
    '',
    line(head),
    ...rows.map(line),
    '',
  ];
  lines.push(`committee  ${c.committee.join(', ')}${c.committeeKeystore ? ` (keystore ${c.committeeKeystore})` : ''}`);
  lines.push('Copy each <host>/<node> folder to its machine and run: lingding node start --config node.json');
  return lines.join('\n');
}

export function registerChainCommands(program: Command): void {
  const chain = defineCommand(program, 'chain');
  chain
    .command('build')
    .description('write keys, genesis and a node config for every node of a PBFT chain, one folder per node')
    .requiredOption('--validators <n>', 'number of validator nodes', count)
    .option('--observers <n>', 'number of observer nodes', count, 0)
    .option('--regulators <n>', 'how many of the observers are regulators (default: all)', count)
    .addOption(
      new Option('--hosts <list>', 'comma-separated hosts (IP or DNS name), assigned to nodes round-robin')
        .argParser(hostList)
        .default(['127.0.0.1'], '127.0.0.1'),
    )
    .requiredOption('--chain-id <id>', 'chain id')
    .requiredOption('--out <dir>', 'folder to write (must not exist, or be empty)')
    .option('--rpc-port <port>', 'first RPC port on each host; nodes on one host count up', portArg, 8545)
    .option('--p2p-port <port>', 'first p2p port on each host; nodes on one host count up', portArg, 30300)
    .option('--committee <address>', 'a committee account (repeat); default: generate one', collect, [])
    .option('--password-file <file>', 'password for the generated committee keystore (or set LINGDING_PASSWORD)')
    .option('--timestamp <ms>', 'genesis timestamp (ms); default now', count)
    .option('--set <key=value>', 'initial system config (repeat)', collect, [])
    .option('--json', 'print JSON')
    .action(async (o: Omit<ChainBuildOptions, 'password'> & PasswordOptions & { json?: boolean }) => {
      // Asked only when it will be used: a generated committee account needs one.
      const password =
        o.committee.length === 0
          ? await readPassword(o, {
              confirm: true,
              what: 'the generated committee keystore (or name the committee with --committee)',
            })
          : undefined;
      const built = buildChain({ ...o, password });
      print(o, built, () => summary(built));
    });
}
