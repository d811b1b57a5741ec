/**
 * Multi-node PBFT chains: the node layout shared by `lingding chain build` (one folder per
 * node, for machines of their own) and by the local clusters that tests, benchmarks and
 * `npm start` run as separate OS processes over loopback.
 *
 * Building is split in small pure steps (layoutNodes → assignPorts → clusterGenesis /
 * clusterNodeConfig) so the CLI and the local builder write the same files and differ only
 * in where they put them.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { toHex } from '../../node/codec/hex.js';
import {
  committeeOf,
  ConfigError,
  loadGenesisFile,
  parseGenesis,
  type GenesisConfig,
  type GenesisInput,
} from '../../node/config/genesis.js';
import { loadNodeConfigFile, type NodeConfigInput } from '../../node/config/node-config.js';
import {
  mergeNodeSettings,
  type NodeSettings,
  withNodeSettings,
  writeGenesisFile,
  writeNodeConfigFile,
} from '../../node/config/writer.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import {
  generateSupervisionKey,
  type SupervisionKeyPair,
  writeSupervisionKeyFile,
} from '../../node/crypto/envelope.js';
import { normalizeNodeId } from '../../node/crypto/node-id.js';
import type { KeyPair } from '../../node/crypto/suite.js';
import { generateNodeKey, nodeIdOf, readNodeKeyFile, writeNodeKeyFile } from '../../node/crypto/node-key.js';
import { RpcClient } from '../client/rpc-client.js';
import { freePort, spawnNode, type LocalNodeFiles, type NodeProcess } from './local-chain.js';

/** The role a node plays, as `getNodeInfo` reports it. */
export type NodeRole = 'sealer' | 'observer';

export interface ClusterShape {
  readonly validators: number;
  readonly observers: number;
  /** How many of the observers are regulators' nodes (the first ones). */
  readonly regulators: number;
  /** Hosts (IP addresses or DNS names) the nodes are spread over, round-robin. */
  readonly hosts: readonly string[];
}

/** A node's place in the cluster, before it has keys or ports. */
export interface NodeSlot {
  /** validator<i>, regulator<i> or observer<i>: says what the node is at a glance. */
  readonly name: string;
  readonly role: NodeRole;
  readonly regulator: boolean;
  readonly host: string;
  /** How many nodes come before this one on the same host: its offset from the base ports. */
  readonly indexOnHost: number;
}

export interface NodePorts {
  readonly rpcPort: number;
  readonly p2pPort: number;
}

/** First RPC and p2p port on each host; nodes on one host count up from them. */
export interface PortBase {
  readonly rpc: number;
  readonly p2p: number;
}

/** What another node needs to know to reach this one. */
export interface NodeEndpoint extends NodePorts {
  readonly nodeId: string;
  readonly host: string;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Validates the shape and places every node: validators first, then regulators, then plain observers. */
export function layoutNodes(shape: ClusterShape): NodeSlot[] {
  const { validators, observers, regulators, hosts } = shape;
  if (!Number.isInteger(validators) || validators < 1)
    throw new ConfigError(`validators must be a whole number of at least 1, got ${validators}`);
  if (!Number.isInteger(observers) || observers < 0)
    throw new ConfigError(`observers must be a whole number of at least 0, got ${observers}`);
  if (!Number.isInteger(regulators) || regulators < 0 || regulators > observers) {
    throw new ConfigError(`regulators must be between 0 and the number of observers (${observers}), got ${regulators}`);
  }
  if (hosts.length === 0) throw new ConfigError('at least one host is required');
  for (const [i, h] of hosts.entries()) {
    if (isIP(h) === 0 && !HOST_NAME.test(h)) throw new ConfigError(`'${h}' is neither an IP address nor a host name`);
    if (hosts.indexOf(h) !== i) throw new ConfigError(`host '${h}' is listed twice`);
  }
  const perHost = new Map<string, number>();
  const place = (name: string, role: NodeRole, regulator: boolean, i: number): NodeSlot => {
    const host = hosts[i % hosts.length];
    const indexOnHost = perHost.get(host) ?? 0;
    perHost.set(host, indexOnHost + 1);
    return { name, role, regulator, host, indexOnHost };
  };
  const slots: NodeSlot[] = [];
  for (let v = 0; v < validators; v++) slots.push(place(`validator${v}`, 'sealer', false, slots.length));
  for (let o = 0; o < observers; o++) {
    const regulator = o < regulators;
    slots.push(place(regulator ? `regulator${o}` : `observer${o - regulators}`, 'observer', regulator, slots.length));
  }
  return slots;
}

/**
 * Consecutive ports per host from the bases. The RPC and p2p ranges of one host must not
 * overlap, and every port must exist: both are refused here rather than at node start.
 */
export function assignPorts(slots: ReadonlyArray<Pick<NodeSlot, 'indexOnHost'>>, base: PortBase): NodePorts[] {
  const onBusiestHost = Math.max(0, ...slots.map((s) => s.indexOnHost + 1));
  for (const [what, port] of [
    ['RPC', base.rpc],
    ['p2p', base.p2p],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port + onBusiestHost - 1 > 65535) {
      throw new ConfigError(
        `${what} base port ${port} does not leave room for ${onBusiestHost} node(s) on one host (ports 1-65535)`,
      );
    }
  }
  if (base.rpc < base.p2p + onBusiestHost && base.p2p < base.rpc + onBusiestHost) {
    throw new ConfigError(
      `RPC ports ${base.rpc}-${base.rpc + onBusiestHost - 1} overlap p2p ports ${base.p2p}-${base.p2p + onBusiestHost - 1}; choose bases further apart`,
    );
  }
  return slots.map((s) => ({ rpcPort: base.rpc + s.indexOnHost, p2pPort: base.p2p + s.indexOnHost }));
}

/**
 * Ports for `count` nodes on one machine: they count up across the whole cluster, whatever
 * loopback alias a node listens on, since RPC is on 127.0.0.1 for all of them.
 */
export function sequentialPorts(count: number, base: PortBase): NodePorts[] {
  return assignPorts(
    Array.from({ length: count }, (_, i) => ({ indexOnHost: i })),
    base,
  );
}

/** Distinct free loopback ports, two per node: for clusters that must not collide with anything running. */
export async function freePorts(count: number): Promise<NodePorts[]> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const out: NodePorts[] = [];
  for (let i = 0; i < count; i++) out.push({ rpcPort: await next(), p2pPort: await next() });
  return out;
}

export interface GenesisOptions {
  readonly chainId: string;
  /** Committee account addresses (0x-hex). */
  readonly committee: readonly string[];
  readonly timestamp: number;
  readonly systemConfig?: Record<string, string>;
  readonly regulators?: GenesisInput['regulators'];
}

/** The shared genesis: validators are the sealers, observers keep their regulator flag and name. */
export function clusterGenesis(
  nodes: ReadonlyArray<Pick<NodeSlot, 'name' | 'role' | 'regulator'> & { nodeId: string }>,
  opts: GenesisOptions,
): GenesisConfig {
  return parseGenesis(
    {
      chainId: opts.chainId,
      suite: 'ecdsa',
      timestamp: opts.timestamp,
      sealers: nodes.filter((n) => n.role === 'sealer').map((n) => n.nodeId),
      observers: nodes
        .filter((n) => n.role === 'observer')
        .map((n) => ({ nodeId: n.nodeId, regulator: n.regulator, name: n.name })),
      committee: committeeOf(opts.committee),
      regulators: opts.regulators,
      systemConfig: opts.systemConfig,
    },
    'genesis',
  );
}

export interface NodeConfigOptions {
  /** Path of the genesis file relative to the node's folder. */
  readonly genesis: string;
  readonly rpcHost: string;
  /** Settings on top of the node's defaults (consensus timings, storage, log level…). */
  readonly node?: NodeSettings;
}

/**
 * One node's node.json: listens on its own host (or on every interface when the host is a
 * DNS name, since a socket binds to addresses, not names) and dials every other node.
 * Only what the layout decides is spelled out; the rest takes the node's defaults. The
 * config writer checks it against the node's own schema, so a config built here loads.
 */
export function clusterNodeConfig(
  self: NodeEndpoint,
  all: readonly NodeEndpoint[],
  opts: NodeConfigOptions,
): NodeConfigInput {
  return withNodeSettings(
    {
      genesis: opts.genesis,
      dataDir: 'data',
      nodeKey: 'node.pem',
      rpc: { host: opts.rpcHost, port: self.rpcPort },
      p2p: {
        host: isIP(self.host) === 0 ? '0.0.0.0' : self.host,
        port: self.p2pPort,
        peers: all
          .filter((n) => n.nodeId !== self.nodeId)
          .map((n) => ({ nodeId: n.nodeId, host: n.host, port: n.p2pPort })),
      },
      consensus: { engine: 'pbft' },
      log: { file: 'node.log' },
    },
    opts.node,
  );
}

/** A node of a local cluster: everything spawnNode needs, plus who it is. */
/** A supervising regulator's key file, in its node's folder. */
export const SUPERVISION_KEY_FILE = 'supervision.key';

export interface ClusterNode extends LocalNodeFiles, NodeEndpoint {
  readonly name: string;
  readonly role: NodeRole;
  readonly regulator: boolean;
  /** Set on a supervising regulator's node: its config's `supervision` section. */
  readonly supervision?: NodeSettings['supervision'];
}

/**
 * A regulator named by genesis whose observer supervises (tests, bench and devnet only: it
 * carries the secret keys): its signing account and its supervision key, whose file sits in
 * the node's folder as `supervision.key`.
 */
export interface ClusterRegulator {
  /** The observer node that runs its supervision. */
  readonly node: string;
  readonly name: string;
  readonly jurisdiction: string;
  readonly account: KeyPair;
  readonly supervisionKey: SupervisionKeyPair;
}

export interface Cluster {
  readonly dir: string;
  readonly chainId: string;
  readonly genesisFile: string;
  readonly nodes: readonly ClusterNode[];
  /** Generated committee accounts, with their secret keys (tests, bench and devnet only). */
  readonly accounts: readonly KeyPair[];
  /**
   * Nodes with a key and a config but not in genesis (role 'observer' until a committee
   * proposal admits them): every other node lists them as peers, so it dials them once
   * they are on the node list.
   */
  readonly spares: readonly ClusterNode[];
  /** The supervising regulators (empty unless ClusterOptions.supervision asked for them). */
  readonly regulators: readonly ClusterRegulator[];
}

export interface ClusterOptions {
  /** Every node's settings on top of the node defaults (genesis and RPC host are fixed by the layout). */
  readonly node?: NodeSettings;
  readonly validators?: number;
  readonly observers?: number;
  /** Default: every observer is a regulator's. */
  readonly regulators?: number;
  readonly chainId?: string;
  /** Committee accounts to generate (returned with their keys). */
  readonly accounts?: number;
  /** Further committee members, by address, whose keys live elsewhere (a keystore). */
  readonly committee?: readonly string[];
  /** Fixed ports counting up from these; default: free loopback ports picked now. */
  readonly basePort?: PortBase;
  /** Default: 127.0.0.1 only. */
  readonly hosts?: readonly string[];
  readonly systemConfig?: Record<string, string>;
  readonly timestamp?: number;
  /** Nodes to prepare outside genesis, for tests that admit nodes at run time (default 0). */
  readonly spares?: number;
  /**
   * Regulators that supervise: one jurisdiction per regulator observer, in order. Each becomes
   * a genesis regulator (a fresh account and supervision key) and its node runs supervision.
   */
  readonly supervision?: { readonly jurisdictions: readonly string[] };
}

/**
 * Writes a PBFT chain under `dir`: genesis.json shared by all nodes, and per node
 * `<name>/node.pem` and `<name>/node.json` (data in `<name>/data`, log in `<name>/node.log`).
 */
export async function createCluster(dir: string, opts: ClusterOptions = {}): Promise<Cluster> {
  const root = resolve(dir);
  const observers = opts.observers ?? 1;
  const slots = layoutNodes({
    validators: opts.validators ?? 4,
    observers,
    regulators: opts.regulators ?? observers,
    hosts: opts.hosts ?? ['127.0.0.1'],
  });
  const spareSlots = Array.from({ length: opts.spares ?? 0 }, (_, i) => ({
    name: `spare${i}`,
    role: 'observer' as const,
    regulator: false,
    host: slots[0].host,
  }));
  const count = slots.length + spareSlots.length;
  const ports = opts.basePort ? sequentialPorts(count, opts.basePort) : await freePorts(count);
  const suite = createEcdsaSuite();
  const accounts = Array.from({ length: opts.accounts ?? 1 }, () => suite.generateKeyPair());
  const chainId = opts.chainId ?? 'lingding-cluster';
  const all: ClusterNode[] = [...slots, ...spareSlots].map((slot, i) => {
    const nodeSecret = generateNodeKey();
    const nodeDir = join(root, slot.name);
    const { name, role, regulator, host } = slot;
    return {
      name,
      role,
      regulator,
      host,
      ...ports[i],
      nodeSecret,
      nodeId: nodeIdOf(nodeSecret),
      dir: nodeDir,
      configFile: join(nodeDir, 'node.json'),
    };
  });
  const regulatorNodes = all.filter((n) => n.regulator);
  const jurisdictions = opts.supervision?.jurisdictions ?? [];
  if (jurisdictions.length > regulatorNodes.length)
    throw new Error(
      `${jurisdictions.length} supervising jurisdictions but ${regulatorNodes.length} regulator observers`,
    );
  const regulators: ClusterRegulator[] = jurisdictions.map((jurisdiction, i) => ({
    node: regulatorNodes[i].name,
    name: `Regulator ${jurisdiction}`,
    jurisdiction,
    account: suite.generateKeyPair(),
    supervisionKey: generateSupervisionKey(),
  }));
  for (const r of regulators) {
    const i = all.findIndex((n) => n.name === r.node);
    all[i] = { ...all[i], supervision: { keyFiles: [SUPERVISION_KEY_FILE] } };
  }
  const nodes = all.slice(0, slots.length);
  const spares = all.slice(slots.length);
  const genesis = clusterGenesis(nodes, {
    chainId,
    committee: [...accounts.map((a) => toHex(a.address)), ...(opts.committee ?? [])],
    timestamp: opts.timestamp ?? Date.now(),
    systemConfig: opts.systemConfig,
    regulators: regulators.length
      ? regulators.map((r) => ({
          name: r.name,
          jurisdiction: r.jurisdiction,
          account: toHex(r.account.address),
          supervisionKey: toHex(r.supervisionKey.publicKey),
        }))
      : undefined,
  });
  const genesisFile = join(root, 'genesis.json');
  writeGenesisFile(genesisFile, genesis);
  for (const node of all) {
    mkdirSync(node.dir, { recursive: true });
    writeNodeKeyFile(join(node.dir, 'node.pem'), node.nodeSecret);
  }
  for (const r of regulators) writeSupervisionKeyFile(join(root, r.node, SUPERVISION_KEY_FILE), r.supervisionKey);
  writeClusterConfigs(all, opts.node);
  return { dir: root, chainId, genesisFile, nodes, accounts, spares, regulators };
}

/** (Re)writes every node's node.json of a local cluster, e.g. after its ports changed. */
export function writeClusterConfigs(nodes: readonly ClusterNode[], node?: NodeSettings): void {
  for (const n of nodes) {
    writeNodeConfigFile(
      n.configFile,
      clusterNodeConfig(n, nodes, {
        genesis: '../genesis.json',
        rpcHost: '127.0.0.1',
        node: n.supervision ? mergeNodeSettings(node, { supervision: n.supervision }) : node,
      }),
    );
  }
}

/**
 * Reads back a cluster written by createCluster (committee keys are not on disk, so
 * `accounts` is empty). Nodes come in genesis order: sealers, then observers.
 */
export function loadCluster(dir: string): Cluster {
  const root = resolve(dir);
  const genesisFile = join(root, 'genesis.json');
  const genesis = loadGenesisFile(genesisFile);
  const found = new Map<string, ClusterNode>();
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const configFile = join(root, entry.name, 'node.json');
    if (!entry.isDirectory() || !existsSync(configFile)) continue;
    const config = loadNodeConfigFile(configFile);
    const nodeSecret = readNodeKeyFile(config.nodeKey);
    const nodeId = nodeIdOf(nodeSecret);
    // Genesis node ids are canonical once parsed, as nodeIdOf's are.
    const observer = genesis.observers.find((o) => o.nodeId === nodeId);
    const sealer = genesis.sealers.includes(nodeId);
    if (!sealer && !observer)
      throw new ConfigError(`${configFile}: its node key is neither a validator nor an observer in ${genesisFile}`);
    if (!config.p2p) throw new ConfigError(`${configFile}: no p2p section, so it is not a cluster node`);
    found.set(nodeId, {
      name: entry.name,
      role: sealer ? 'sealer' : 'observer',
      regulator: observer?.regulator ?? false,
      host: config.p2p.host,
      rpcPort: config.rpc.port,
      p2pPort: config.p2p.port,
      nodeId,
      nodeSecret,
      dir: join(root, entry.name),
      configFile,
      ...(config.supervision ? { supervision: { ...config.supervision, keyFiles: [SUPERVISION_KEY_FILE] } } : {}),
    });
  }
  const order = [...genesis.sealers, ...genesis.observers.map((o) => o.nodeId)];
  const nodes = order.flatMap((id) => found.get(id) ?? []);
  if (nodes.length === 0) throw new ConfigError(`${root} holds no node folders (<name>/node.json)`);
  return { dir: root, chainId: genesis.chainId, genesisFile, nodes, accounts: [], spares: [], regulators: [] };
}

/**
 * A local cluster's running processes. Nodes can be killed and started again one by one
 * (fault tests); clients stay valid across restarts since a node keeps its RPC port.
 */
export class RunningCluster {
  private readonly procs = new Map<string, NodeProcess>();
  private readonly clients = new Map<string, RpcClient>();

  /**
   * @param nodeArgs Node.js flags for every node process this cluster starts (a bench's
   *   `--cpu-prof`, say), unless a start names its own.
   */
  constructor(
    readonly cluster: Cluster,
    private readonly nodeArgs?: string[],
  ) {}

  /** A node by name, genesis nodes and spares alike. */
  node(name: string): ClusterNode {
    const all = [...this.cluster.nodes, ...this.cluster.spares];
    const n = all.find((x) => x.name === name);
    if (!n) throw new Error(`no node named '${name}' in this cluster (${all.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** The node's process while it runs. */
  process(name: string): NodeProcess | undefined {
    return this.procs.get(name);
  }

  client(name: string): RpcClient {
    let c = this.clients.get(name);
    if (!c) {
      c = new RpcClient(`http://127.0.0.1:${this.node(name).rpcPort}`);
      this.clients.set(name, c);
    }
    return c;
  }

  /** Nodes whose process is running, in cluster order (spares last). */
  running(): ClusterNode[] {
    return [...this.cluster.nodes, ...this.cluster.spares].filter((n) => this.procs.has(n.name));
  }

  async start(
    name: string,
    opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
  ): Promise<NodeProcess> {
    if (this.procs.has(name)) throw new Error(`${name} is already running`);
    // Generous: a node process boots in a few seconds, but on a small machine shared with
    // other test runs it can take far longer, and a slow boot is not what is under test.
    const p = await spawnNode(this.node(name), {
      timeoutMs: opts.timeoutMs ?? 180_000,
      env: opts.env,
      nodeArgs: opts.nodeArgs ?? this.nodeArgs,
    });
    this.procs.set(name, p);
    return p;
  }

  /** Signals the node and waits for its process to exit. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new Error(`${name} is not running`);
    this.procs.delete(name);
    await p.kill(signal);
  }

  /** The name of the validator leading the height in progress, as `via` sees it. */
  async leader(via: string): Promise<string> {
    const v = await this.client(via).call('getPbftView');
    const id = v.leaderNodeId ?? (await this.client(via).call('getSealerList'))[v.leader]?.nodeId;
    const canonical = normalizeNodeId(id);
    const n = this.cluster.nodes.find((x) => x.nodeId === canonical);
    if (!n) throw new Error(`${via} names leader ${v.leader} (${id}), which is not a node of this cluster`);
    return n.name;
  }
}

/**
 * Spawns the nodes (default: all) as separate processes, in parallel, and waits until
 * each answers RPC. If one fails to start, the others are stopped again.
 */
export async function startCluster(
  cluster: Cluster,
  opts: { nodes?: readonly string[]; timeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<RunningCluster> {
  const rc = new RunningCluster(cluster, opts.nodeArgs);
  const names = opts.nodes ?? cluster.nodes.map((n) => n.name);
  const results = await Promise.allSettled(names.map((name) => rc.start(name, opts)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopCluster(rc);
    throw failed.reason;
  }
  return rc;
}

/**
 * SIGTERM to every running node, then waits until all have exited. A node still running
 * after `graceMs` gets SIGKILL: a hung node must not hang whoever is stopping the cluster.
 */
export async function stopCluster(rc: RunningCluster, opts: { graceMs?: number } = {}): Promise<void> {
  await Promise.all(
    rc.running().map(async (n) => {
      const { child } = rc.process(n.name)!;
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 20_000);
      try {
        await rc.kill(n.name, 'SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** Polls `f` until it returns something truthy; the error names what was awaited. */
export async function waitFor<T>(
  what: string,
  f: () => Promise<T | null | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
