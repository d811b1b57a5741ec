/**
 * Builds an AssemblyScript contract: the compiler (asc, as a library) with the contract
 * transform, the stub runtime (a bump allocator: every run gets a fresh instance, so
 * nothing needs freeing and no GC runs on the gas meter), aborts routed to revert, the
 * start function exported as `_initialize`, then the VM's deploy-time checks.
 */
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import asc, { type Transform } from 'assemblyscript/asc';
import { PACKAGE_ROOT } from '../../node/package/index.js';
import { ContractTransform } from '../as-sdk/transform/index.js';
import type { AbiEntry } from './abi-json.js';
import { checkContract } from './check.js';
import { ContractBuildError, ContractBuildErrorCode } from './errors.js';
import { stripCustomSections } from './wasm-sections.js';

export interface BuiltContract {
  /** Artifact name: the file's stem for AssemblyScript, the package name for Rust. */
  readonly name: string;
  readonly wasm: Uint8Array;
  readonly abi: AbiEntry[];
}

/**
 * The SDK's AssemblyScript sources, found from the package root: the build (dist/) holds
 * only the compiled transform, never these sources, which asc compiles with each contract.
 */
const SDK_DIR = join(PACKAGE_ROOT, 'contracts', 'as-sdk', 'assembly');

/** The deepest directory containing both paths: the compiler's base directory. */
function commonDir(a: string, b: string): string {
  const pa = a.split(sep);
  const pb = b.split(sep);
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join(sep) || sep;
}

const posixPath = (p: string) => p.split(sep).join('/');

interface CompileOutput {
  readonly wasm: Uint8Array;
  readonly transform: ContractTransform;
}

/**
 * `diagnostic`: unoptimised with a name section, for naming the function behind a VM
 * refusal (optimisation inlines methods into the dispatcher, hiding which one it was).
 */
async function compile(file: string, diagnostic: boolean): Promise<CompileOutput> {
  const baseDir = commonDir(dirname(file), SDK_DIR);
  const entry = posixPath(relative(baseDir, file));
  const transform = new ContractTransform(baseDir, entry, resolve(SDK_DIR, 'index.ts'));
  const abortHandler = `${posixPath(relative(baseDir, resolve(SDK_DIR, 'revert')))}/abortHandler`;
  const outputs = new Map<string, Uint8Array | string>();
  const stderr = asc.createMemoryStream();
  const argv = [
    entry,
    '--baseDir',
    baseDir,
    '--outFile',
    'contract.wasm',
    '--runtime',
    'stub',
    ...(diagnostic ? ['--optimizeLevel', '0', '--debug'] : ['--optimizeLevel', '3', '--shrinkLevel', '1']),
    '--noAssert',
    '--use',
    `abort=${abortHandler}`,
    '--exportStart',
    '_initialize',
    '--noColors',
  ];
  const { error } = await asc.main(argv, {
    stdout: asc.createMemoryStream(),
    stderr,
    // asc calls the hooks of transform objects as given; the Transform base class only
    // matters for transforms that asc instantiates itself from a --transform path.
    transforms: [transform as unknown as Transform],
    writeFile: (name: string, contents: Uint8Array | string) => void outputs.set(name, contents),
  });
  if (error) {
    if (error instanceof ContractBuildError) throw error;
    const diagnostics = stderr
      .toString()
      .replace(/^FAILURE .*$/m, '')
      .trim();
    throw new ContractBuildError(`${file}: compilation failed\n${diagnostics || error.message}`);
  }
  const wasm = outputs.get('contract.wasm');
  if (!(wasm instanceof Uint8Array))
    throw new ContractBuildError(`${file}: the compiler produced no binary`, ContractBuildErrorCode.ToolchainFailed);
  return { wasm, transform };
}

export async function buildAssemblyScript(path: string): Promise<BuiltContract> {
  const file = resolve(path);
  const { wasm, transform } = await compile(file, false);
  const abi = transform.abi;
  if (!abi) throw new ContractBuildError(`${file}: the contract transform did not run`);
  const code = stripCustomSections(wasm);
  await checkContract(file, code, async () => (await compile(file, true)).wasm);
  return { name: basename(file, '.ts'), wasm: code, abi };
}
