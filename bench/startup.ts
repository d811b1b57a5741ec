/**
 * Start-up benchmark: how long the CLI and the nodes take before they are useful, and what
 * an idle node costs in memory.
 *
 *   npx tsx bench/startup.ts [--rounds 5] [--entry dist|tsx] [--idle-s 15]
 *
 * `--entry dist` (the default) runs the shipped build (`node dist/tools/cli/main.js`, what
 * `npm start` and the package bin run); `--entry tsx` runs the TypeScript sources through
 * the tsx loader, as main did before the build existed, so both can be compared on one
 * machine. Measured, median over rounds:
 *  1. `lingding --help` and `lingding info` (against a running node): process start to exit;
 *  2. a solo node: process start to its first RPC answer;
 *  3. `lingding devnet` (4 validators + 1 observer, each its own process): start to all five
 *     answering RPC, then, after --idle-s seconds, each node's RSS and the CPU time the five
 *     node processes spent so far.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSoloChain, freePort } from '../tools/devnet/local-chain.js';
import { RpcClient } from '../tools/client/rpc-client.js';
import { median, printTable } from './lib/table.js';

const REPO = resolve(import.meta.dirname, '..');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

const ROUNDS = Number(arg('rounds', '5'));
const ENTRY = arg('entry', 'dist');
const IDLE_S = Number(arg('idle-s', '15'));

/** The argv (after the node binary) that runs the CLI for the chosen entry. */
function cliArgs(args: string[]): string[] {
  if (ENTRY === 'tsx') return ['--import', 'tsx', join(REPO, 'tools/cli/main.ts'), ...args];
  const main = join(REPO, 'dist/tools/cli/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run 'npm run build' first (or pass --entry tsx)`);
  return [main, ...args];
}

function timeCli(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`lingding ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

async function untilAnswers(url: string, child: ChildProcess, deadlineMs = 300_000): Promise<void> {
  const client = new RpcClient(url);
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      await client.request('getBlockNumber');
      return;
    } catch {
      if (Date.now() > end) throw new Error(`${url} did not answer within ${deadlineMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** /proc facts about one process: resident set (MB) and CPU seconds so far (user + system). */
function procStats(pid: number): { rssMb: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return { rssMb: rssKb / 1024, cpuS: ticks / 100 };
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function soloNodeStart(dir: string): Promise<{ ms: number; url: string; child: ChildProcess }> {
  const chain = await createSoloChain(join(dir, `solo-${Math.random().toString(36).slice(2)}`));
  const t0 = performance.now();
  const child = spawn(process.execPath, cliArgs(['node', 'start', '--config', chain.nodes[0].configFile]), {
    cwd: REPO,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${chain.nodes[0].rpcPort}`;
  await untilAnswers(url, child);
  return { ms: performance.now() - t0, url, child };
}

interface DevnetRound {
  ms: number;
  rssMb: number[];
  cpuS: number;
}

async function devnetStart(dir: string): Promise<DevnetRound> {
  const rpc = await freePort();
  const p2p = 20000 + Math.floor(Math.random() * 10000);
  const devnetDir = join(dir, `devnet-${Math.random().toString(36).slice(2)}`);
  // A fresh folder each round: the timed start includes building the devnet's keys and
  // config, as a first `npm start` does.
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    cliArgs(['devnet', '--dir', devnetDir, '--rpc-port', String(rpc), '--p2p-port', String(p2p)]),
    {
      cwd: REPO,
      stdio: 'ignore',
    },
  );
  try {
    await Promise.all([0, 1, 2, 3, 4].map((i) => untilAnswers(`http://127.0.0.1:${rpc + i}`, child)));
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const nodes = childrenOf(child.pid!).map(procStats);
    return { ms, rssMb: nodes.map((n) => n.rssMb), cpuS: nodes.reduce((a, n) => a + n.cpuS, 0) };
  } finally {
    await stopProcess(child);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lingding-startup-'));
  const help: number[] = [];
  const info: number[] = [];
  const node: number[] = [];
  const devnet: DevnetRound[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      help.push(timeCli(['--help']));
      const solo = await soloNodeStart(dir);
      node.push(solo.ms);
      info.push(timeCli(['info'], { LINGDING_RPC: solo.url }));
      await stopProcess(solo.child);
      devnet.push(await devnetStart(dir));
      process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const allRss = devnet.flatMap((d) => d.rssMb);
  printTable(
    `Start-up (entry: ${ENTRY}; median of ${ROUNDS} rounds)`,
    ['what', 'median', 'min', 'max', 'unit'],
    [
      ['lingding --help', median(help), Math.min(...help), Math.max(...help), 'ms'],
      ['lingding info', median(info), Math.min(...info), Math.max(...info), 'ms'],
      ['node start -> first RPC answer', median(node), Math.min(...node), Math.max(...node), 'ms'],
      [
        'devnet start -> 5 nodes answering',
        median(devnet.map((d) => d.ms)),
        Math.min(...devnet.map((d) => d.ms)),
        Math.max(...devnet.map((d) => d.ms)),
        'ms',
      ],
      [`idle node RSS (after ${IDLE_S} s)`, median(allRss), Math.min(...allRss), Math.max(...allRss), 'MB'],
      [
        'CPU of 5 nodes, start + idle',
        median(devnet.map((d) => d.cpuS)),
        Math.min(...devnet.map((d) => d.cpuS)),
        Math.max(...devnet.map((d) => d.cpuS)),
        's',
      ],
    ],
  );
}

await main();
