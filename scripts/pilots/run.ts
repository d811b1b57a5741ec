/**
 * What the pilot scripts share: their arguments, the `lingding` CLI (each step is the command
 * an operator would type, run with --json), role accounts, building and deploying an example
 * contract, and registering the pilot through the committee. Examples, not tests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { keccak256, toUtf8Bytes, Wallet } from 'ethers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'tools', 'cli', 'main.js');
const DEV_PASSWORD = 'lingding-dev';

export interface PilotRun {
  readonly rpc: string;
  /** The committee member's keystore (the devnet's dev account by default). */
  readonly keystore: string;
  /** Scratch folder for key files, builds and the filled-in pilot spec. */
  readonly work: string;
}

export function pilotRun(): PilotRun {
  const { values } = parseArgs({
    options: {
      rpc: { type: 'string', default: 'http://127.0.0.1:8545' },
      keystore: { type: 'string', default: join(ROOT, '.lingding', 'accounts', 'dev.json') },
    },
  });
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' (npm start does) first`);
  // The devnet's account uses the development password unless the caller says otherwise.
  process.env.LINGDING_PASSWORD ??= DEV_PASSWORD;
  return { rpc: values.rpc!, keystore: values.keystore!, work: mkdtempSync(join(tmpdir(), 'lingding-pilot-')) };
}

/** What `lingding deploy|send --json` print (the receipt, with events decoded by the ABI). */
export interface CliReceipt {
  readonly status: number;
  readonly statusText: string;
  readonly message: string;
  readonly contractAddress: string | null;
  readonly decoded: unknown[] | null;
  readonly events: Array<{ event?: string; args?: unknown[] }>;
}

/** Runs `lingding <args> --json` (against the run's node unless `local`) and returns its JSON output. */
export function lingding(run: PilotRun, args: readonly string[], local = false): CliReceipt {
  const out = execFileSync(process.execPath, [CLI, ...args, '--json', ...(local ? [] : ['--rpc', run.rpc])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out);
}

export interface Role {
  readonly name: string;
  readonly address: string;
  /** A file with the raw private key, for --key-file. */
  readonly keyFile: string;
}

/**
 * An institution's account for the story. Derived from its name so reruns reuse it: an
 * example's convenience, never a way to make real keys.
 */
export function role(run: PilotRun, name: string): Role {
  const key = keccak256(toUtf8Bytes(`lingding pilot example: ${name}`));
  const keyFile = join(run.work, `${name}.key`);
  writeFileSync(keyFile, key, { mode: 0o600 });
  return { name, address: new Wallet(key).address, keyFile };
}

/** Builds contracts/examples/assembly/<name>.ts and deploys it as `by`; returns its address and ABI file. */
export function deployExample(run: PilotRun, name: string, by: Role): { address: string; abi: string } {
  const source = join(ROOT, 'contracts', 'examples', 'assembly', `${name}.ts`);
  lingding(run, ['contract', 'build', source, '--out', run.work], true);
  const abi = join(run.work, `${name}.abi.json`);
  const r = lingding(run, ['deploy', join(run.work, `${name}.wasm`), '--abi', abi, '--key-file', by.keyFile]);
  if (r.status !== 0) throw new Error(`deploying ${name}: ${r.statusText} ${r.message}`);
  console.log(`deployed ${name} at ${r.contractAddress}`);
  return { address: r.contractAddress!, abi };
}

/**
 * Fills the spec next to the script (decision 1's shape) with what is known only now — the
 * institutions' accounts, the deployed contract, a period starting now — and proposes it to
 * the committee (`lingding gov propose register-pilot`). Returns the pilot's id.
 */
export async function registerPilot(
  run: PilotRun,
  specFile: string,
  institutions: readonly Role[],
  contract: string,
): Promise<number> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8'));
  const now = Date.now();
  const filled = {
    ...spec,
    name: `${spec.name} ${contract.slice(2, 10)}`,
    institutions: institutions.map((i) => i.address),
    contracts: [contract],
    period: [now, now + spec.periodDays * 86_400_000],
  };
  delete filled.periodDays;
  const file = join(run.work, 'pilot.json');
  writeFileSync(file, JSON.stringify(filled, null, 2));
  lingding(run, ['gov', 'propose', 'register-pilot', file, '--keystore', run.keystore]);
  const { pilots } = (await rpc(run, 'getPilots', [{}])) as { pilots: Array<{ id: number; name: string }> };
  const pilot = pilots.find((p) => p.name === filled.name);
  if (!pilot)
    throw new Error(`pilot '${filled.name}' is not registered: the committee has not passed the proposal yet`);
  console.log(`registered pilot ${pilot.id} '${filled.name}'`);
  return pilot.id;
}

/** Sends `method` of `contract` as `by`, printing its events; a failed transaction stops the story. */
export function send(
  run: PilotRun,
  by: Role,
  contract: { address: string; abi: string },
  method: string,
  args: readonly (string | number | bigint)[],
  extra: readonly string[] = [],
): CliReceipt {
  const r = lingding(run, [
    'send',
    contract.address,
    method,
    ...args.map(String),
    '--abi',
    contract.abi,
    '--key-file',
    by.keyFile,
    ...extra,
  ]);
  if (r.status !== 0) throw new Error(`${by.name} ${method}: ${r.statusText} ${r.message}`);
  for (const e of r.events) console.log(`  ${by.name} ${method}: ${e.event ?? 'log'}(${(e.args ?? []).join(', ')})`);
  return r;
}

/** A JSON-RPC call to the run's node (for methods the CLI does not print as needed). */
export async function rpc(run: PilotRun, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(run.rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
