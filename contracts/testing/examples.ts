/** The example contracts, built (and cached) for tests and benches. */
import { join } from 'node:path';
import { buildRustCrate, findRustToolchain } from '../toolchain/cargo.js';
import { cachedBuild, CONTRACTS_DIR, type CachedBuild } from './build-cache.js';

/** An AssemblyScript example: contracts/examples/assembly/<name>.ts. */
export function asExample(name: string): Promise<CachedBuild> {
  // The compiler is imported only on a cache miss: loading it (asc and binaryen, with their
  // source maps) costs seconds and leaves ~200 MB of source text on the heap, which would
  // skew every bench and test that only needs a cached build.
  return cachedBuild(`as-${name}`, ['as-sdk', 'toolchain', `examples/assembly/${name}.ts`], async () => {
    const { buildAssemblyScript } = await import('../toolchain/assemblyscript.js');
    return buildAssemblyScript(join(CONTRACTS_DIR, 'examples', 'assembly', `${name}.ts`));
  });
}

export const rustToolchain = findRustToolchain();

/** Why Rust tests are skipped on this machine, or undefined when they run. */
export const rustSkipReason = rustToolchain
  ? undefined
  : 'Rust contract tests skipped: no cargo/rustc with the wasm32-unknown-unknown target (apt-get install rustc cargo libstd-rust-dev-wasm32; .ci/run does this)';

/** A Rust example crate: contracts/examples/rust/<name>. */
export function rustExample(name: string): Promise<CachedBuild> {
  return cachedBuild(
    `rust-${name}`,
    ['rust-sdk', 'toolchain', `examples/rust/${name}`, 'examples/rust/Cargo.toml', 'examples/rust/.cargo'],
    () => buildRustCrate(join(CONTRACTS_DIR, 'examples', 'rust', name), rustToolchain),
  );
}
