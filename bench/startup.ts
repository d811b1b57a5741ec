/**
 * Start-up benchmark: how long the CLI and the devnet take before they are useful, and what
 * an idle node costs in memory.
 *
 *   npx tsx bench/startup.ts [--runs 5] [--idle-s 20] [--entry dist|tsx]
 *
 * `--entry dist` (the default) runs the shipped build (`node dist/tools/cli/main.js`, what
 * `npm start` and the package bin run); `--entry tsx` runs the sources through the tsx
 * loader, for a comparison on one machine. Measured:
 *  1. `lingding --help` and `lingding info` (against the running devnet): process start to
 *     exit, median of --runs;
 *  2. `lingding devnet` (4 validators + 1 regulator's observer, each its own process) in a
 *     fresh folder: start to the first node answering getBlockNumber, and to all five;
 *  3. each node's RSS after --idle-s seconds of idling;
 *  4. the same devnet stopped (SIGINT, as Ctrl-C) and started again: a restart, to the first
 *     and to all five answering;
 *  5. one node alone (`lingding node start` of a solo chain): process start to its first RPC
 *     answer, median of --runs restarts on the same data.
 * Slow (two devnet starts and the idle wait): run it on a quiet machine, once. Every process
 * it starts runs in a process group of its own, stopped on the way out, failure or not.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RpcClient } from '../tools/client/rpc-client.js';
import { createSoloChain, freePort } from '../tools/devnet/local-chain.js';
import { numberArg, stringArg } from './lib/args.js';
import { median, printTable, type Cell } from './lib/table.js';

const REPO = resolve(import.meta.dirname, '..');
const RUNS = numberArg('runs', 5);
const IDLE_S = numberArg('idle-s', 20);
const ENTRY = stringArg('entry', 'dist');
/** The devnet's shape (lingding devnet): 4 validators and 1 observer. */
const DEVNET_NODES = 5;
const ANSWER_DEADLINE_MS = 600_000;

/** The argv (after the node binary) that runs the CLI for the chosen entry. */
function cliArgs(args: readonly string[]): string[] {
  if (ENTRY === 'tsx') return ['--import', 'tsx', join(REPO, 'tools/cli/main.ts'), ...args];
  const main = join(REPO, 'dist/tools/cli/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run 'npm run build' first (or pass --entry tsx)`);
  return [main, ...args];
}

/** Wall time of one CLI run to its exit (ms); a failing run is reported, not timed. */
function timeCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`lingding ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

/** A running `lingding devnet` and the ports of its nodes. */
interface Devnet {
  readonly child: ChildProcess;
  readonly rpcPorts: readonly number[];
  readonly exited: Promise<void>;
}

/** Every devnet this benchmark started and has not seen exit: stopped on the way out. */
const running = new Set<Devnet>();

function startDevnet(dir: string, rpcBase: number, p2pBase: number): Devnet {
  // Its own process group (detached): the node processes it spawns are in it too, so one
  // signal to the group reaches every one of them, even if the devnet CLI itself died.
  const child = spawn(
    process.execPath,
    cliArgs(['devnet', '--dir', dir, '--rpc-port', String(rpcBase), '--p2p-port', String(p2pBase)]),
    { cwd: REPO, stdio: 'ignore', detached: true },
  );
  const devnet: Devnet = {
    child,
    rpcPorts: Array.from({ length: DEVNET_NODES }, (_, i) => rpcBase + i),
    exited: new Promise((r) => child.once('exit', () => r())),
  };
  running.add(devnet);
  void devnet.exited.then(() => running.delete(devnet));
  return devnet;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Ctrl-C to the devnet (it stops its nodes cleanly); SIGKILL to the whole group if that takes too long. */
async function stopDevnet(d: Devnet, graceMs = 60_000): Promise<void> {
  const pid = d.child.pid!;
  if (d.child.exitCode === null && d.child.signalCode === null) {
    signalGroup(pid, 'SIGINT');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await d.exited;
    clearTimeout(timer);
  }
  // Nodes left behind by a devnet that died are in its group.
  signalGroup(pid, 'SIGKILL');
}

/** Time (ms from `t0`) at which each node first answered getBlockNumber, in port order. */
async function answerTimes(d: Devnet, t0: number): Promise<number[]> {
  const clients = d.rpcPorts.map((p) => new RpcClient(`http://127.0.0.1:${p}`));
  const answered: (number | undefined)[] = clients.map(() => undefined);
  while (answered.some((t) => t === undefined)) {
    if (d.child.exitCode !== null || d.child.signalCode !== null)
      throw new Error(`lingding devnet exited (${d.child.exitCode ?? d.child.signalCode}) before all nodes answered`);
    if (performance.now() - t0 > ANSWER_DEADLINE_MS)
      throw new Error(`not all devnet nodes answered within ${ANSWER_DEADLINE_MS} ms`);
    await Promise.all(
      clients.map(async (c, i) => {
        if (answered[i] !== undefined) return;
        try {
          await c.call('getBlockNumber');
          answered[i] = performance.now() - t0;
        } catch {
          // Not up yet.
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  return answered as number[];
}

/** The devnet's node processes (its children) with the node each runs, from its --config path. */
function nodeProcesses(devnetPid: number): { pid: number; name: string }[] {
  const out: { pid: number; name: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid !== devnetPid) continue;
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      const config = argv[argv.indexOf('--config') + 1] ?? '';
      out.push({ pid: Number(d), name: config.split('/').at(-2) ?? `pid ${d}` });
    } catch {
      // Exited while we looked.
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

/** One `node start` of a solo chain's node: ms from spawn to its first getBlockNumber answer. */
async function timedNodeStart(configFile: string, rpcPort: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, cliArgs(['node', 'start', '--config', configFile]), {
    cwd: REPO,
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const client = new RpcClient(`http://127.0.0.1:${rpcPort}`);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('the node exited before it answered');
      if (performance.now() - t0 > ANSWER_DEADLINE_MS) throw new Error('the node did not answer in time');
      try {
        await client.call('getBlockNumber');
        return performance.now() - t0;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } finally {
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

interface DevnetRun {
  first: number;
  all: number;
}

async function timedDevnet(dir: string, rpcBase: number, p2pBase: number, whileUp?: (d: Devnet) => Promise<void>) {
  const t0 = performance.now();
  const d = startDevnet(dir, rpcBase, p2pBase);
  try {
    const times = await answerTimes(d, t0);
    const run: DevnetRun = { first: Math.min(...times), all: Math.max(...times) };
    await whileUp?.(d);
    return run;
  } finally {
    await stopDevnet(d);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-startup-'));
  const devnetDir = join(dir, 'devnet');
  const rpcBase = await freePort();
  const p2pBase = 20_000 + Math.floor(Math.random() * 10_000);
  try {
    const help = Array.from({ length: RUNS }, () => timeCli(['--help']));
    let info: number[] = [];
    let idle: { name: string; rss: number }[] = [];
    const first = await timedDevnet(devnetDir, rpcBase, p2pBase, async (d) => {
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      idle = nodeProcesses(d.child.pid!).map((n) => ({ name: n.name, rss: rssMb(n.pid) }));
      info = Array.from({ length: RUNS }, () => timeCli(['info'], { LINGDING_RPC: `http://127.0.0.1:${rpcBase}` }));
    });
    const restart = await timedDevnet(devnetDir, rpcBase, p2pBase);
    const solo = await createSoloChain(join(dir, 'solo'));
    const nodeStarts: number[] = [];
    for (let i = 0; i < RUNS; i++)
      nodeStarts.push(await timedNodeStart(solo.nodes[0].configFile, solo.nodes[0].rpcPort));

    const rows: Cell[][] = [
      ['lingding --help', median(help), 'ms', `median of ${RUNS}`],
      ['lingding info', median(info), 'ms', `median of ${RUNS}, against validator0`],
      ['devnet first run: first node answers', first.first, 'ms', 'includes building keys and configs'],
      ['devnet first run: all 5 answer', first.all, 'ms', ''],
      ['devnet restart: first node answers', restart.first, 'ms', ''],
      ['devnet restart: all 5 answer', restart.all, 'ms', ''],
      ['one node: start to first answer', median(nodeStarts), 'ms', `median of ${RUNS} restarts of a solo node`],
      ...idle.map((n): Cell[] => [`idle RSS ${n.name}`, n.rss, 'MB', `after ${IDLE_S} s`]),
    ];
    printTable(`Start-up (entry: ${ENTRY}, node ${process.version})`, ['what', 'value', 'unit', 'note'], rows);
  } finally {
    await Promise.all([...running].map((d) => stopDevnet(d)));
    rmSync(dir, { recursive: true, force: true });
  }
}

// Ctrl-C on the benchmark stops what it started before exiting.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void Promise.all([...running].map((d) => stopDevnet(d, 10_000))).finally(() => process.exit(130));
  });
}

await main();
