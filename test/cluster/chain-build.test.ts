import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../node/codec/hex.js';
import { loadGenesisFile } from '../../node/config/genesis.js';
import { loadNodeConfigFile } from '../../node/config/node-config.js';
import { createEcdsaSuite } from '../../node/crypto/index.js';
import { readKeystoreFile } from '../../node/crypto/keystore.js';
import { nodeIdOf, readNodeKeyFile } from '../../node/crypto/node-key.js';
import { buildChain, type BuiltChain, type ChainBuildOptions } from '../../tools/cli/commands/chain.js';
import { createCluster, loadCluster, writeClusterConfigs, sequentialPorts } from '../../tools/devnet/cluster.js';
import { runCli } from '../helpers/cli-process.js';

const ADMIN = '0x1111111111111111111111111111111111111111';
const root = mkdtempSync(join(tmpdir(), 'lingding-chain-build-'));
let outs = 0;
const freshOut = () => join(root, `out${outs++}`);

function options(over: Partial<ChainBuildOptions> = {}): ChainBuildOptions {
  return {
    validators: 4,
    observers: 0,
    hosts: ['127.0.0.1'],
    chainId: 'pilot',
    out: freshOut(),
    rpcPort: 8545,
    p2pPort: 30300,
    committee: [ADMIN],
    set: [],
    ...over,
  };
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every written folder loads as a node would load it, and agrees with the others. */
function checkFolders(built: BuiltChain) {
  const genesis = loadGenesisFile(join(built.out, 'genesis.json'));
  const bare = (id: string) => id.replace(/^0x/, '').toLowerCase();
  for (const n of built.nodes) {
    for (const f of ['node.pem', 'node.json', 'genesis.json'])
      expect(existsSync(join(n.dir, f)), `${n.name}/${f}`).toBe(true);
    expect(statSync(join(n.dir, 'node.pem')).mode & 0o077).toBe(0);
    const config = loadNodeConfigFile(join(n.dir, 'node.json'));
    expect(loadGenesisFile(config.genesis)).toEqual(genesis);
    expect(nodeIdOf(readNodeKeyFile(config.nodeKey))).toBe(n.nodeId);
    expect(config.consensus.engine).toBe('pbft');
    expect(config.rpc).toMatchObject({ host: '127.0.0.1', port: n.rpcPort });
    expect(config.p2p!.port).toBe(n.p2pPort);
    // Peers: every other node, at its own host and p2p port.
    const expected = built.nodes
      .filter((o) => o !== n)
      .map((o) => ({ nodeId: o.nodeId, host: o.host, port: o.p2pPort }));
    expect(config.p2p!.peers).toEqual(expected);
    // Genesis names the node in its role.
    if (n.role === 'sealer') expect(genesis.sealers.map(bare)).toContain(n.nodeId);
    else
      expect(genesis.observers.find((o) => bare(o.nodeId) === n.nodeId)).toMatchObject({
        regulator: n.regulator,
        name: n.name,
      });
  }
  expect(genesis.sealers.length + genesis.observers.length).toBe(built.nodes.length);
  return genesis;
}

describe('lingding chain build', () => {
  it('writes a folder per node over hosts round-robin, consecutive ports per host', () => {
    const built = buildChain(
      options({
        validators: 4,
        observers: 3,
        regulators: 2,
        hosts: ['10.0.0.1', '10.0.0.2'],
        chainId: 'bank-pilot',
        set: ['tx_count_limit=500'],
      }),
    );
    const genesis = checkFolders(built);
    expect(genesis).toMatchObject({
      chainId: 'bank-pilot',
      committee: { members: [{ address: ADMIN, weight: 1 }] },
      systemConfig: { tx_count_limit: '500' },
    });
    expect(built.nodes.map((n) => [n.name, n.host, n.rpcPort, n.p2pPort])).toEqual([
      ['validator0', '10.0.0.1', 8545, 30300],
      ['validator1', '10.0.0.2', 8545, 30300],
      ['validator2', '10.0.0.1', 8546, 30301],
      ['validator3', '10.0.0.2', 8546, 30301],
      ['regulator0', '10.0.0.1', 8547, 30302],
      ['regulator1', '10.0.0.2', 8547, 30302],
      ['observer0', '10.0.0.1', 8548, 30303],
    ]);
    expect(built.nodes.map((n) => n.dir)).toEqual(built.nodes.map((n) => join(built.out, n.host, n.name)));
    for (const n of built.nodes) expect(loadNodeConfigFile(join(n.dir, 'node.json')).p2p!.host).toBe(n.host);
    expect(new Set(built.nodes.map((n) => n.nodeId)).size).toBe(built.nodes.length);
  });

  it('listens on every interface when the host is a DNS name, and peers dial the name', () => {
    const built = buildChain(options({ hosts: ['bank-a.example', '10.0.0.9'] }));
    checkFolders(built);
    const a = built.nodes.find((n) => n.host === 'bank-a.example')!;
    expect(loadNodeConfigFile(join(a.dir, 'node.json')).p2p!.host).toBe('0.0.0.0');
    const other = built.nodes.find((n) => n.host !== 'bank-a.example')!;
    expect(
      loadNodeConfigFile(join(other.dir, 'node.json')).p2p!.peers.filter((p) => p.host === 'bank-a.example'),
    ).toHaveLength(2);
  });

  it('generates an encrypted committee account when none is named', () => {
    const built = buildChain(options({ committee: [], password: 'pw-1' }));
    const genesis = checkFolders(built);
    const suite = createEcdsaSuite();
    const secret = readKeystoreFile(built.committeeKeystore!, 'pw-1', suite);
    expect(genesis.committee.members.map((m) => m.address)).toEqual([toHex(suite.keyPairFromSecret(secret).address)]);
  });

  it.each<[string, Partial<ChainBuildOptions>, RegExp]>([
    ['no validators', { validators: 0 }, /validators must be a whole number of at least 1/],
    [
      'more regulators than observers',
      { observers: 1, regulators: 2 },
      /regulators must be between 0 and the number of observers \(1\)/,
    ],
    ['a malformed host', { hosts: ['bad host'] }, /'bad host' is neither an IP address nor a host name/],
    ['a host listed twice', { hosts: ['10.0.0.1', '10.0.0.1'] }, /host '10.0.0.1' is listed twice/],
    ['overlapping port ranges', { rpcPort: 30298 }, /RPC ports 30298-30301 overlap p2p ports 30300-30303/],
    ['ports past 65535', { p2pPort: 65534 }, /p2p base port 65534 does not leave room for 4 node\(s\)/],
    ['no committee and no password', { committee: [] }, /no --committee address given/],
    [
      'a bad committee address',
      { committee: ['0x12'] },
      /committee.members.0.address: address must be 20 bytes of hex/,
    ],
    ['a bad chain id', { chainId: 'no spaces!' }, /chainId may use letters, digits/],
    ['a bad --set', { set: ['novalue'] }, /--set expects key=value/],
  ])('refuses %s', (_what, over, message) => {
    const o = options(over);
    expect(() => buildChain(o)).toThrow(message);
    expect(existsSync(o.out)).toBe(false); // nothing half-written
  });

  it('refuses to write into a folder that is not empty', () => {
    const out = freshOut();
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'x');
    expect(() => buildChain(options({ out }))).toThrow(/exists and is not empty; refusing to overwrite node keys/);
  });

  it('runs from the CLI, with JSON output and clear argument errors', async () => {
    const out = freshOut();
    const ok = await runCli([
      'chain',
      'build',
      '--validators',
      '4',
      '--observers',
      '1',
      '--hosts',
      '127.0.0.1',
      '--chain-id',
      'cli-chain',
      '--out',
      out,
      '--committee',
      ADMIN,
      '--json',
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const built = JSON.parse(ok.stdout) as BuiltChain;
    expect(built.nodes.map((n) => `${n.name}:${n.regulator}`)).toEqual([
      'validator0:false',
      'validator1:false',
      'validator2:false',
      'validator3:false',
      'regulator0:true',
    ]);
    checkFolders(built);

    const bad = await runCli(['chain', 'build', '--validators', 'four', '--chain-id', 'x', '--out', freshOut()]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/option '--validators <n>' argument 'four' is invalid. expected a whole number/);
    const refused = await runCli([
      'chain',
      'build',
      '--validators',
      '4',
      '--observers',
      '1',
      '--regulators',
      '3',
      '--chain-id',
      'x',
      '--out',
      freshOut(),
      '--committee',
      ADMIN,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: regulators must be between 0 and the number of observers/);
  }, 180_000);
});

describe('local cluster files (createCluster / loadCluster)', () => {
  it('writes a 4+1 loopback cluster that reads back the same, and can be moved to other ports', async () => {
    const dir = join(root, 'local');
    const c = await createCluster(dir, {
      validators: 4,
      observers: 2,
      regulators: 1,
      accounts: 2,
      chainId: 'local',
      basePort: { rpc: 20545, p2p: 20600 },
    });
    expect(c.nodes.map((n) => [n.name, n.role, n.regulator, n.rpcPort, n.p2pPort])).toEqual([
      ['validator0', 'sealer', false, 20545, 20600],
      ['validator1', 'sealer', false, 20546, 20601],
      ['validator2', 'sealer', false, 20547, 20602],
      ['validator3', 'sealer', false, 20548, 20603],
      ['regulator0', 'observer', true, 20549, 20604],
      ['observer0', 'observer', false, 20550, 20605],
    ]);
    const genesis = loadGenesisFile(c.genesisFile);
    expect(genesis.committee.members.map((m) => m.address)).toEqual(c.accounts.map((a) => toHex(a.address)));
    for (const n of c.nodes) {
      const config = loadNodeConfigFile(n.configFile);
      expect(config.genesis).toBe(c.genesisFile);
      expect(config.p2p!.peers.map((p) => p.port)).toEqual(c.nodes.filter((o) => o !== n).map((o) => o.p2pPort));
    }
    const strip = (x: typeof c) => x.nodes.map(({ nodeSecret, ...rest }) => ({ ...rest, secret: toHex(nodeSecret) }));
    const loaded = loadCluster(dir);
    expect(strip(loaded)).toEqual(strip(c));

    const ports = sequentialPorts(c.nodes.length, { rpc: 21545, p2p: 21600 });
    writeClusterConfigs(loaded.nodes.map((n, i) => ({ ...n, ...ports[i] })));
    const moved = loadCluster(dir);
    expect(moved.nodes.map((n) => [n.rpcPort, n.p2pPort])).toEqual(ports.map((p) => [p.rpcPort, p.p2pPort]));
    expect(moved.nodes.map((n) => n.nodeId)).toEqual(c.nodes.map((n) => n.nodeId));
    expect(JSON.parse(readFileSync(c.genesisFile, 'utf8'))).toEqual(genesis);
  });

  it('picks distinct free ports when none are given', async () => {
    const c = await createCluster(join(root, 'free'), { validators: 4, observers: 1 });
    const ports = c.nodes.flatMap((n) => [n.rpcPort, n.p2pPort]);
    expect(new Set(ports).size).toBe(10);
    expect(c.nodes[4]).toMatchObject({ name: 'regulator0', regulator: true });
  });
});
