/**
 * The Lingding AssemblyScript transform: turns the entry file's `@contract` class and
 * `@event` declarations into the `call`/`deploy` entry points, event bodies and a JSON ABI
 * (see model.ts for what a contract looks like, codegen.ts for what is generated).
 *
 * It runs after parsing: it rewrites the entry file's text and parses it again, which is
 * how a transform can add code that the compiler then resolves and checks like the rest.
 */
import { posix, relative } from 'node:path';
import type { Parser } from 'assemblyscript';
import type { AbiEntry } from '../../toolchain/abi-json.js';
import { ContractBuildError } from '../../toolchain/errors.js';
import { abiOf, generateSource } from './codegen.js';
import { readContract } from './model.js';

export class ContractTransform {
  /** The contract's JSON ABI, set once afterParse has run. */
  abi: AbiEntry[] | undefined;

  /**
   * @param baseDir the compiler's base directory (source paths are relative to it)
   * @param entry the contract file, relative to baseDir
   * @param sdkIndex absolute path of as-sdk/assembly/index.ts
   */
  constructor(
    private readonly baseDir: string,
    private readonly entry: string,
    private readonly sdkIndex: string,
  ) {}

  afterParse(parser: Parser): void {
    const index = parser.sources.findIndex((s) => s.normalizedPath === this.entry);
    if (index < 0) throw new ContractBuildError(`${this.entry}: not among the parsed files`);
    const source = parser.sources[index];
    const model = readContract(source);

    const sdk = relative(this.baseDir, this.sdkIndex).split('\\').join('/').replace(/\.ts$/, '');
    let importPath = posix.relative(posix.dirname(source.normalizedPath), sdk);
    if (!importPath.startsWith('.')) importPath = `./${importPath}`;
    const text = generateSource(source.text, model, importPath);

    parser.sources.splice(index, 1);
    parser.donelog.delete(source.internalPath);
    parser.seenlog.delete(source.internalPath);
    parser.parseFile(text, source.normalizedPath, true);
    this.abi = abiOf(model);
  }
}
