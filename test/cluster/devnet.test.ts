/**
 * `npm start` (= `lingding devnet`) as a user runs it: a real CLI process, its output, its
 * node processes, Ctrl-C. Each run lives in its own folder on ports of its own.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../tools/client/rpc-client.js';
import { waitFor } from '../../tools/devnet/cluster.js';
import { CliProcess, runCli } from '../helpers/cli-process.js';

const pbftEngine = process.env.LINGDING_CLUSTER_TESTS !== '0';
const KV = '0x0000000000000000000000000000000000001010';
const root = mkdtempSync(join(tmpdir(), 'lingding-devnet-'));
const clis: CliProcess[] = [];

function listen(port: number): Promise<Server | null> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(null));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => done(s));
  });
}

/**
 * A base port with `count` free ports above it: away from the devnet defaults, and below
 * the kernel's ephemeral range (32768+) so no outgoing connection takes one meanwhile.
 */
async function freeBase(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const servers = await Promise.all(Array.from({ length: count }, (_, i) => listen(base + i)));
    await Promise.all(servers.map((s) => s && new Promise((r) => s.close(r))));
    if (servers.every(Boolean)) return base;
  }
}

function devnet(args: string[]): CliProcess {
  const p = new CliProcess(['devnet', ...args]);
  clis.push(p);
  return p;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Listed {
  name: string;
  role: string;
  url: string;
  pid: number;
}

/** The node table the devnet prints: name, role, RPC URL, pid. */
function listedNodes(stdout: string): Listed[] {
  return [
    ...stdout.matchAll(/^ {2}(\S+)\s+(validator|observer \(regulator\))\s+(http:\/\/127\.0\.0\.1:\d+)\s+pid (\d+)$/gm),
  ].map((m) => ({ name: m[1], role: m[2], url: m[3], pid: Number(m[4]) }));
}

afterEach(async () => {
  for (const p of clis.splice(0)) {
    p.kill('SIGTERM');
    await p.exited;
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lingding devnet (npm start)', () => {
  it('--solo runs one validator in-process and stops cleanly on SIGINT', async () => {
    const port = await freeBase(1);
    const cli = devnet(['--solo', '--dir', join(root, 'solo'), '--rpc-port', String(port)]);
    await cli.waitForOutput(/Press Ctrl-C to stop/, 120_000);
    expect(cli.stdout).toContain(`rpc http://127.0.0.1:${port}`);
    expect(await new RpcClient(`http://127.0.0.1:${port}`).call('getNodeInfo')).toMatchObject({
      role: 'sealer',
      consensus: 'solo',
    });
    cli.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout).toMatch(/stopped\n$/);
  }, 180_000);

  it('refuses to start when a port is taken, and names the port and the node', async () => {
    const rpc = await freeBase(5);
    const p2p = await freeBase(5);
    const blocker = (await listen(p2p + 2))!;
    try {
      const r = await runCli([
        'devnet',
        '--dir',
        join(root, 'busy'),
        '--rpc-port',
        String(rpc),
        '--p2p-port',
        String(p2p),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: port ${p2p + 2} (validator2 p2p) is already in use`);
      expect(r.stdout).not.toContain('Press Ctrl-C');
    } finally {
      await new Promise((done) => blocker.close(done));
    }
    // The build itself was kept: 4 validators and a regulator, sharing one dev account.
    const genesis = JSON.parse(readFileSync(join(root, 'busy', 'devnet', 'genesis.json'), 'utf8'));
    expect(genesis.sealers).toHaveLength(4);
    expect(genesis.observers).toMatchObject([{ regulator: true, name: 'regulator0' }]);
    expect(existsSync(join(root, 'busy', 'accounts', 'dev.json'))).toBe(true);
    // The regulator observer supervises CN-GD: a genesis regulator with a supervision key, its
    // key file in the node's folder, its account's keystore beside the dev account's.
    const regulatorKs = JSON.parse(readFileSync(join(root, 'busy', 'accounts', 'regulator.json'), 'utf8'));
    expect(genesis.regulators).toEqual([
      expect.objectContaining({
        jurisdiction: 'CN-GD',
        account: `0x${regulatorKs.address.replace(/^0x/, '')}`,
        supervisionKey: expect.stringMatching(/^0x0[23][0-9a-f]{64}$/),
      }),
    ]);
    expect(existsSync(join(root, 'busy', 'devnet', 'regulator0', 'supervision.key'))).toBe(true);
  }, 180_000);

  it.skipIf(!pbftEngine)(
    'runs 4 validators + a regulator as separate processes, reports a dead one, stops all on Ctrl-C, and continues on the next start',
    async () => {
      const dir = join(root, 'cluster');
      const rpc = await freeBase(5);
      const cli = devnet(['--dir', dir, '--rpc-port', String(rpc), '--p2p-port', String(await freeBase(5))]);
      await cli.waitForOutput(/Press Ctrl-C to stop/, 240_000);
      const nodes = listedNodes(cli.stdout);
      expect(nodes.map((n) => `${n.name} ${n.role} ${n.url}`)).toEqual([
        `validator0 validator http://127.0.0.1:${rpc}`,
        `validator1 validator http://127.0.0.1:${rpc + 1}`,
        `validator2 validator http://127.0.0.1:${rpc + 2}`,
        `validator3 validator http://127.0.0.1:${rpc + 3}`,
        `regulator0 observer (regulator) http://127.0.0.1:${rpc + 4}`,
      ]);
      const clients = nodes.map((n) => new RpcClient(n.url));
      for (const [i, c] of clients.entries())
        expect(await c.call('getNodeInfo')).toMatchObject({
          role: i < 4 ? 'sealer' : 'observer',
          consensus: 'pbft',
        });
      // The regulator observer supervises: its line names its keystore and commands, and it
      // answers the regulator-only methods.
      expect(cli.stdout).toMatch(
        new RegExp(
          `^ {2}regulator 0x[0-9a-f]{40} \\(keystore ${join(dir, 'accounts', 'regulator.json')}, password 'lingding-dev'\\), supervising CN-GD on regulator0: lingding regulator .* --rpc ${nodes[4].url}$`,
          'm',
        ),
      );
      expect(await clients[4].call('getAlerts', [{}])).toEqual({ alerts: expect.any(Array) });

      // The README's flow: the dev keystore sends through any node.
      const sent = await runCli(
        [
          'send',
          KV,
          'set(string,string)',
          'greeting',
          'hello',
          '--keystore',
          join(dir, 'accounts', 'dev.json'),
          '--rpc',
          nodes[4].url,
        ],
        { LINGDING_PASSWORD: 'lingding-dev' },
      );
      expect(sent.stderr).toBe('');
      expect(sent.stdout).toMatch(/status\s+0 \(success\)/);

      process.kill(nodes[3].pid, 'SIGKILL');
      await cli.waitForOutput(
        new RegExp(`validator3 \\(pid ${nodes[3].pid}\\) exited unexpectedly with signal SIGKILL`),
      );
      const heightBefore = await clients[0].call('getBlockNumber');
      await waitFor(
        'blocks without validator3',
        async () => (await clients[0].call('getBlockNumber')) >= heightBefore + 2,
      );
      const { genesisHash } = await clients[0].call('getNodeInfo');
      const height = await clients[0].call('getBlockNumber');

      cli.kill('SIGINT');
      expect((await cli.exited).code).toBe(0);
      expect(cli.stdout).toMatch(/stopping…\nstopped\n$/);
      expect(nodes.filter((n) => alive(n.pid)).map((n) => n.name)).toEqual([]);

      // Second start: same chain, moved to other ports because the flags say so.
      const rpc2 = await freeBase(5);
      const again = devnet(['--dir', dir, '--rpc-port', String(rpc2), '--p2p-port', String(await freeBase(5))]);
      await again.waitForOutput(/Press Ctrl-C to stop/, 240_000);
      expect(again.stdout).toContain(`moved the devnet to RPC ports from ${rpc2}`);
      const moved = new RpcClient(`http://127.0.0.1:${rpc2}`);
      expect((await moved.call('getNodeInfo')).genesisHash).toBe(genesisHash);
      expect(await moved.call('getBlockNumber')).toBeGreaterThanOrEqual(height);
      again.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    },
    600_000,
  );
});
