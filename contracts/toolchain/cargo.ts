/**
 * Builds a Rust contract crate with plain cargo for `wasm32-unknown-unknown` (no
 * wasm-pack), takes the JSON ABI the crate ships next to its Cargo.toml, and runs the
 * VM's deploy-time checks on the result.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Interface } from 'ethers';
import type { AbiEntry } from './abi-json.js';
import type { BuiltContract } from './assemblyscript.js';
import { checkContract } from './check.js';
import { ContractBuildError, ContractBuildErrorCode } from './errors.js';
import { stripCustomSections } from './wasm-sections.js';

const TARGET = 'wasm32-unknown-unknown';

export interface RustToolchain {
  readonly cargo: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * A cargo whose rustc has the wasm32 standard library: Debian's (/usr/bin, package
 * libstd-rust-dev-wasm32) when present, since a rustup toolchain on the PATH may lack the
 * target; LINGDING_CARGO/LINGDING_RUSTC override. Undefined when there is none.
 */
export function findRustToolchain(): RustToolchain | undefined {
  const candidates: Array<[string, string]> = [];
  if (process.env.LINGDING_CARGO) candidates.push([process.env.LINGDING_CARGO, process.env.LINGDING_RUSTC ?? 'rustc']);
  candidates.push(['/usr/bin/cargo', '/usr/bin/rustc'], ['cargo', 'rustc']);
  for (const [cargo, rustc] of candidates) {
    const sysroot = spawnSync(rustc, ['--print', 'sysroot'], { encoding: 'utf8' });
    if (sysroot.status !== 0 || !existsSync(join(sysroot.stdout.trim(), 'lib', 'rustlib', TARGET))) continue;
    if (spawnSync(cargo, ['--version']).status !== 0) continue;
    // RUSTC_BOOTSTRAP: the SDK's allocation-error handler on rustc < 1.68 (see rust-sdk/build.rs).
    return { cargo, env: { ...process.env, RUSTC: rustc, RUSTC_BOOTSTRAP: '1' } };
  }
  return undefined;
}

function packageName(dir: string): string {
  const manifest = readFileSync(join(dir, 'Cargo.toml'), 'utf8');
  const pkg = /\[package\][^[]*?\bname\s*=\s*"([^"]+)"/s.exec(manifest);
  if (!pkg) throw new ContractBuildError(`${dir}/Cargo.toml has no [package] name`);
  return pkg[1];
}

function readAbi(dir: string, name: string): AbiEntry[] {
  const candidates = [join(dir, `${name}.abi.json`), join(dir, 'abi.json')];
  const file = candidates.find((f) => existsSync(f));
  if (!file)
    throw new ContractBuildError(`${dir}: no ABI found; ship the contract's JSON ABI as ${basename(candidates[0])}`);
  try {
    const abi = JSON.parse(readFileSync(file, 'utf8')) as AbiEntry[];
    new Interface(abi as never); // rejects entries ethers cannot use
    return abi;
  } catch (e) {
    throw new ContractBuildError(`${file}: not a usable JSON ABI: ${(e as Error).message}`);
  }
}

function cargoBuild(
  dir: string,
  toolchain: RustToolchain,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): void {
  const args = ['build', '--release', '--target', TARGET, '--manifest-path', join(dir, 'Cargo.toml'), ...extraArgs];
  // cwd = the crate, so a .cargo/config.toml above it (stack size, flags) applies.
  const build = spawnSync(toolchain.cargo, args, { cwd: dir, env: { ...toolchain.env, ...env }, encoding: 'utf8' });
  if (build.status !== 0)
    throw new ContractBuildError(
      `${dir}: cargo build failed\n${build.stderr.trim()}`,
      ContractBuildErrorCode.ToolchainFailed,
    );
}

function readArtifact(dir: string, targetDir: string, name: string): Uint8Array {
  const artifact = join(targetDir, TARGET, 'release', `${name.replace(/-/g, '_')}.wasm`);
  if (!existsSync(artifact))
    throw new ContractBuildError(`${dir}: cargo produced no ${artifact}; is the crate a cdylib?`);
  return new Uint8Array(readFileSync(artifact));
}

export async function buildRustCrate(path: string, toolchain = findRustToolchain()): Promise<BuiltContract> {
  const dir = resolve(path);
  if (!toolchain) {
    throw new ContractBuildError(
      `no Rust toolchain with the ${TARGET} target (on Debian: apt-get install rustc cargo libstd-rust-dev-wasm32)`,
    );
  }
  const name = packageName(dir);
  const abi = readAbi(dir, name);
  cargoBuild(dir, toolchain);
  const metadata = JSON.parse(
    execFileSync(
      toolchain.cargo,
      ['metadata', '--format-version', '1', '--no-deps', '--manifest-path', join(dir, 'Cargo.toml')],
      { cwd: dir, env: toolchain.env, encoding: 'utf8' },
    ),
  ) as { target_directory: string };
  const wasm = stripCustomSections(readArtifact(dir, metadata.target_directory, name));
  // On a refusal: an unoptimised build (own target dir), where the offending code is still
  // in its own function rather than inlined into `call`, with the name section kept.
  await checkContract(dir, wasm, async () => {
    const diagnosticDir = join(metadata.target_directory, 'lingding-diagnostic');
    cargoBuild(dir, toolchain, ['--target-dir', diagnosticDir], {
      CARGO_PROFILE_RELEASE_OPT_LEVEL: '0',
      CARGO_PROFILE_RELEASE_LTO: 'false',
    });
    return readArtifact(dir, diagnosticDir, name);
  });
  return { name, wasm, abi };
}
