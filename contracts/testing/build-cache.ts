/**
 * Builds example contracts once per test run: in memory within a test file, and on disk
 * (contracts/examples/build/, git-ignored) keyed by a hash of every input file, so test
 * files and repeated runs reuse a build whose sources have not changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AbiEntry } from '../toolchain/abi-json.js';

export interface CachedBuild {
  readonly name: string;
  readonly wasm: Uint8Array;
  readonly abi: AbiEntry[];
}

export const CONTRACTS_DIR = fileURLToPath(new URL('..', import.meta.url));
const CACHE_DIR = join(CONTRACTS_DIR, 'examples', 'build', 'cache');

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((n) => n !== 'target' && n !== 'build' && n !== 'node_modules')
    .sort()
    .flatMap((n) => filesUnder(join(path, n)));
}

function hashInputs(inputs: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of inputs.flatMap(filesUnder)) h.update(f).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

const memo = new Map<string, Promise<CachedBuild>>();

/**
 * The build of `key`, from memory, disk, or `build()`. `inputs` are the files and
 * directories the build reads (relative to contracts/).
 */
export function cachedBuild(
  key: string,
  inputs: readonly string[],
  build: () => Promise<CachedBuild>,
): Promise<CachedBuild> {
  let p = memo.get(key);
  if (!p) {
    p = (async () => {
      const stem = join(CACHE_DIR, `${key}-${hashInputs(inputs.map((i) => join(CONTRACTS_DIR, i)))}`);
      if (existsSync(`${stem}.json`)) {
        const meta = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as { name: string; abi: AbiEntry[] };
        return { ...meta, wasm: new Uint8Array(readFileSync(`${stem}.wasm`)) };
      }
      const built = await build();
      mkdirSync(CACHE_DIR, { recursive: true });
      // Write then rename: a parallel test file never reads half a file.
      const tmp = `${stem}.${process.pid}`;
      writeFileSync(`${tmp}.wasm`, built.wasm);
      writeFileSync(`${tmp}.json`, JSON.stringify({ name: built.name, abi: built.abi }));
      renameSync(`${tmp}.wasm`, `${stem}.wasm`);
      renameSync(`${tmp}.json`, `${stem}.json`);
      return built;
    })();
    memo.set(key, p);
  }
  return p;
}
