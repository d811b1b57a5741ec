/**
 * Facts about the installed Lingding package, found from this module's own location so they
 * hold both for the TypeScript sources (run by tsx or vitest) and for the build in `dist/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LingdingError } from '../errors/index.js';

/** The package's root folder: the one holding its package.json, above `dist/` when built. */
export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};

/** The one version string, from package.json (the CLI's --version and getNodeInfo report it). */
export const LINGDING_VERSION: string = manifest.version;

/** The supported Node.js range, package.json `engines.node`: the form `>=MAJOR.MINOR <MAJOR`. */
export const SUPPORTED_NODE: string = manifest.engines.node;

/**
 * Whether a Node.js version lies in the supported range. The range is pinned because the VM
 * relies on the engine (V8) behaving as tested; an untested runtime is refused, not tried.
 */
export function isSupportedNode(version: string, range: string = SUPPORTED_NODE): boolean {
  const r = /^>=(\d+)\.(\d+)(?:\.(\d+))? <(\d+)$/.exec(range);
  if (!r) throw new Error(`package.json engines.node '${range}' is not of the form '>=MAJOR.MINOR <MAJOR'`);
  const v = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!v) return false;
  const [maj, min, pat] = [Number(v[1]), Number(v[2]), Number(v[3])];
  const [lo, below] = [[Number(r[1]), Number(r[2]), Number(r[3] ?? 0)], Number(r[4])];
  const atLeast = maj !== lo[0] ? maj > lo[0] : min !== lo[1] ? min > lo[1] : pat >= lo[2];
  return atLeast && maj < below;
}

/** Refuses to go on under an unsupported Node.js, naming the range (the CLI and every node call it). */
export function assertSupportedNode(version: string = process.version): void {
  if (!isSupportedNode(version)) {
    throw new UnsupportedRuntimeError(
      `Node.js ${version} is not supported: Lingding needs Node.js ${SUPPORTED_NODE} (npm install brings it as the 'node' devDependency; run through npm scripts or node_modules/.bin/node)`,
    );
  }
}

export const PackageErrorCode = {
  UnsupportedRuntime: 'UNSUPPORTED_RUNTIME',
  /** dist/ is missing: the sources were not compiled (`npm run build`). */
  NotBuilt: 'NOT_BUILT',
} as const;

export class UnsupportedRuntimeError extends LingdingError<typeof PackageErrorCode.UnsupportedRuntime> {
  constructor(message: string) {
    super(PackageErrorCode.UnsupportedRuntime, message);
    this.name = 'UnsupportedRuntimeError';
  }
}

export class NotBuiltError extends LingdingError<typeof PackageErrorCode.NotBuilt, { missing: string }> {
  constructor(missing: string) {
    super(PackageErrorCode.NotBuilt, `${missing} is missing: run 'npm run build' (npm install and npm test do it)`, {
      missing,
    });
    this.name = 'NotBuiltError';
  }
}

/** The compiled CLI entry that node processes run (`node <it> node start …`). */
export const BUILT_CLI_ENTRY: string = join(PACKAGE_ROOT, 'dist', 'tools', 'cli', 'main.js');

/**
 * V8 flags every node process runs with (tools/devnet/local-chain.ts spawnNode: the devnet,
 * tests, benches; docs/operator-guide.md tells operators to use them too). A node allocates
 * ~50 KB of short-lived objects per transaction, while the transactions in flight (pool,
 * RPC calls waiting for their receipts, the block being built) stay live for a second or
 * two. V8's default young generation stops growing at a few MB: a scavenge every few dozen
 * transactions, each copying that whole live set, was a third of a node's CPU. Let grow to
 * 16 MB semi-spaces it scavenges a few times a second under load; bench/single-node.ts went
 * from ~300 to ~210 µs of CPU per transaction (32 and 64 MB measured no better). No minimum:
 * V8 applies `--min-semi-space-size` to every isolate, the signature worker's too, and keeps
 * that much committed when idle; without one the young generation grows under load and
 * shrinks back after releaseStartUpMemory. `--heap-growing-percent=100`: under load V8 lets
 * the old generation grow to up to four times what survived its last full collection before
 * it collects again, and a node's live heap is small (~70 MB in a heap snapshot at the
 * cluster bench's peak) while its garbage is plenty, so its RSS rose from ~140 MB idle to
 * 370-450 MB; collecting once the old generation is twice its live part
 * kept the peak at ~330 MB in the same bench (1.5x gave ~280 MB but +28 µs/tx of GC marking on
 * V8's background threads). `--expose-gc` is for releaseStartUpMemory.
 */
export const NODE_PROCESS_FLAGS: readonly string[] = [
  '--max-semi-space-size=16',
  '--heap-growing-percent=100',
  '--expose-gc',
];

/**
 * Hands back to the OS the memory start-up used and no longer needs: loading the modules
 * and opening the stores grow the young generation to its 16 MB semi-spaces and fill the
 * old one with garbage, ~35 MB of RSS an idle node would otherwise keep (V8's own memory
 * reducer only runs after old-generation collections, which an idle node does not make).
 * One memory-reducing full collection once the node is up, what V8 does when told memory
 * is low, shrinks the young generation back; load grows it again. Needs `gc` exposed
 * (NODE_PROCESS_FLAGS); without it this does nothing. Returns whether it ran.
 */
export function releaseStartUpMemory(): boolean {
  const gc = (globalThis as { gc?: (opts: { type: 'major'; flavor: 'last-resort' }) => void }).gc;
  if (typeof gc !== 'function') return false;
  gc({ type: 'major', flavor: 'last-resort' });
  return true;
}

/**
 * The arguments (after the node binary) that run `lingding <args…>` from the build. Node
 * processes always run the build, whoever starts them (the devnet, tests, benchmarks): plain
 * node on compiled JavaScript starts in a fraction of the time the sources take through a
 * loader, and `ps` shows what runs. No wrapper process either, so signals reach the CLI itself.
 */
export function builtCliArgs(args: readonly string[], entry: string = BUILT_CLI_ENTRY): string[] {
  if (!existsSync(entry)) throw new NotBuiltError(entry);
  return [entry, ...args];
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
      if (name === 'lingding') return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no lingding package.json above ${from}`);
  }
}
