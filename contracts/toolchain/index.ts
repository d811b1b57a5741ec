/**
 * `lingding contract build`: an AssemblyScript file or a Rust crate directory in, a
 * deployable `<name>.wasm` (checked by the VM) and its `<name>.abi.json` out.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildAssemblyScript, type BuiltContract } from './assemblyscript.js';
import { buildRustCrate } from './cargo.js';
import { ContractBuildError } from './errors.js';

export { ContractBuildError } from './errors.js';
export { findRustToolchain, buildRustCrate } from './cargo.js';
export { buildAssemblyScript, type BuiltContract } from './assemblyscript.js';
export type { AbiEntry, AbiParam } from './abi-json.js';

export async function buildContract(path: string): Promise<BuiltContract> {
  const p = resolve(path);
  if (!existsSync(p)) throw new ContractBuildError(`${path} does not exist`);
  if (statSync(p).isDirectory()) {
    if (existsSync(join(p, 'Cargo.toml'))) return buildRustCrate(p);
    throw new ContractBuildError(
      `${path} is a directory without Cargo.toml; give a Rust crate or an AssemblyScript .ts file`,
    );
  }
  if (p.endsWith('.ts')) return buildAssemblyScript(p);
  throw new ContractBuildError(`${path}: expected an AssemblyScript .ts file or a Rust crate directory`);
}

/** Writes `<name>.wasm` and `<name>.abi.json` into `outDir`; returns their paths. */
export function writeArtifacts(built: BuiltContract, outDir: string): { wasm: string; abi: string } {
  mkdirSync(outDir, { recursive: true });
  const wasm = join(outDir, `${built.name}.wasm`);
  const abi = join(outDir, `${built.name}.abi.json`);
  writeFileSync(wasm, built.wasm);
  writeFileSync(abi, JSON.stringify(built.abi, null, 2) + '\n');
  return { wasm, abi };
}
