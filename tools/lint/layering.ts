/**
 * The layering rule, checked (`npm run lint`, and a test): a module imports only modules of
 * lower layers, never backwards, as DESIGN.md draws it — crypto/codec → ledger/state →
 * vm/exec → consensus → p2p/sync → rpc → tools. Within node/ each folder has a rank and may
 * import folders of strictly lower rank (two folders of one rank may not import each other:
 * that is how "sync must not depend on the engine" is said). Unit tests beside the code may
 * use any node/ or consensus/ module and the shared test helpers, but never tools/ or bench/.
 *
 *   npx tsx tools/lint/layering.ts        prints each violation; exit 1 when there is one
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../../node/package/index.js';

/** Rank of each folder of node/ (and of consensus/, which sits among them). */
export const LAYERS: Readonly<Record<string, number>> = {
  'node/errors': 0,
  'node/package': 1,
  'node/crypto': 1,
  'node/bytes': 1,
  'node/log': 1,
  'node/metrics': 1,
  'node/codec': 2,
  'node/abi': 2,
  'node/config': 3,
  'node/state': 3,
  'node/ledger': 4,
  'node/vm': 5,
  'node/exec': 6,
  consensus: 7,
  'node/chain': 8,
  'node/txpool': 9,
  'node/p2p': 9,
  'node/engine': 10,
  'node/sync': 10,
  'node/supervision': 10,
  'node/rpc': 11,
  'node/main': 12,
};

/** Top-level folders, and which other top-level folders their (non-test) code may import. */
const TOP_LEVEL: Readonly<Record<string, readonly string[]>> = {
  node: ['node', 'consensus'],
  consensus: ['node', 'consensus'],
  contracts: ['node', 'consensus', 'contracts'],
  tools: ['node', 'consensus', 'contracts', 'tools'],
  test: ['node', 'consensus', 'contracts', 'tools', 'test'],
  bench: ['node', 'consensus', 'contracts', 'tools', 'test', 'bench'],
};

export interface SourceFile {
  /** Path relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative import specifiers of a file (static, re-exports, side-effect and dynamic imports). */
export function relativeImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) out.push(spec);
  }
  return out;
}

/** The layer a path belongs to: `node/<folder>` inside node/, else its top-level folder. */
function areaOf(path: string): string {
  const [top, sub] = path.split('/');
  return top === 'node' && sub !== undefined && !sub.includes('.') ? `node/${sub}` : top;
}

const isTest = (path: string) => /\.test\.ts$/.test(path);

/** The source file an import target names (`x.js` is written for `x.ts`). */
const sourcePathOf = (target: string) => target.replace(/\.js$/, '.ts');

/**
 * Follows a test helper's imports (within test/) and returns the first chain that reaches
 * tools/ or bench/, or null when none does.
 */
function helperReachingTools(
  helper: string,
  byPath: ReadonlyMap<string, string>,
): { reached: string; chain: string[] } | null {
  const seen = new Set<string>();
  const visit = (path: string, chain: string[]): { reached: string; chain: string[] } | null => {
    const file = sourcePathOf(path);
    if (seen.has(file)) return null;
    seen.add(file);
    const text = byPath.get(file);
    if (text === undefined) return null;
    for (const spec of relativeImports(text)) {
      const target = join(dirname(file), spec).split('\\').join('/');
      const top = target.split('/')[0];
      if (top === 'tools' || top === 'bench') return { reached: sourcePathOf(target), chain: [...chain, file] };
      if (top === 'test') {
        const found = visit(target, [...chain, file]);
        if (found) return found;
      }
    }
    return null;
  };
  return visit(helper, []);
}

export function layeringViolations(files: readonly SourceFile[]): Violation[] {
  const out: Violation[] = [];
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  for (const f of files) {
    const fromTop = f.path.split('/')[0];
    const allowedTops = TOP_LEVEL[fromTop];
    if (!allowedTops) continue;
    const from = areaOf(f.path);
    for (const spec of relativeImports(f.text)) {
      const target = join(dirname(f.path), spec).split('\\').join('/');
      const toTop = target.split('/')[0];
      const to = areaOf(target);
      const fail = (reason: string) => out.push({ file: f.path, specifier: spec, reason });
      if (to === from) continue;
      if (isTest(f.path) && (fromTop === 'node' || fromTop === 'consensus')) {
        // Unit tests: any lower-level module and the shared test helpers; not the tools, not
        // even through a helper (a test that needs the tools is an integration test, in test/).
        if (!['node', 'consensus', 'test'].includes(toTop)) fail(`a unit test in ${fromTop}/ may not import ${toTop}/`);
        else if (toTop === 'test') {
          const via = helperReachingTools(target, byPath);
          if (via) fail(`a unit test in ${fromTop}/ may not reach ${via.reached} (through ${via.chain.join(' → ')})`);
        }
        continue;
      }
      if (!allowedTops.includes(toTop)) {
        fail(`${fromTop}/ may not import ${toTop}/ (layers run ${Object.keys(TOP_LEVEL).join(' → ')})`);
        continue;
      }
      if (!(from in LAYERS) || !(to in LAYERS)) {
        for (const a of [from, to]) {
          if ((a.startsWith('node/') || a === 'node') && !(a in LAYERS)) fail(`${a} has no layer: add it to LAYERS`);
        }
        continue;
      }
      if (LAYERS[to] >= LAYERS[from]) {
        fail(
          `${from} (layer ${LAYERS[from]}) may not import ${to} (layer ${LAYERS[to]}): imports go to lower layers only`,
        );
      }
    }
  }
  return out;
}

/** Every .ts file of the checked folders, skipping AssemblyScript contract sources and build output. */
export function readSourceTree(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (['node_modules', 'dist', 'assembly', 'fixtures', 'target', 'build'].includes(e.name)) continue;
        walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        files.push({ path: relative(root, p).split('\\').join('/'), text: readFileSync(p, 'utf8') });
      }
    }
  };
  for (const top of Object.keys(TOP_LEVEL)) walk(join(root, top));
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const violations = layeringViolations(readSourceTree(PACKAGE_ROOT));
  for (const v of violations) process.stderr.write(`${v.file}: import '${v.specifier}': ${v.reason}\n`);
  if (violations.length > 0) process.exitCode = 1;
  else process.stdout.write('layering: no violations\n');
}
