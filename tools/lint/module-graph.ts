/**
 * What a module loads when it starts, read from the sources: its static imports, followed
 * through the repository's own files, with the packages they name. Dynamic `import()` is
 * not followed (that is how a command defers its heavy modules), nor is `import type`
 * (erased by tsc; with verbatimModuleSyntax every other import statement is kept).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface ModuleGraph {
  /** Repository files reached, relative to the root, with forward slashes. */
  readonly files: ReadonlySet<string>;
  /** Packages reached (their names: `zod`, `@noble/hashes`), not followed inside. */
  readonly packages: ReadonlySet<string>;
}

const STATIC_IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'"`;()]*?\sfrom\s*)?['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]/g;

/** The specifiers a module loads at start: static imports and re-exports that survive compilation. */
export function staticImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(STATIC_IMPORT)) {
    if (m[1]) continue; // import type / export type
    out.push(m[2] ?? m[3]);
  }
  return out;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** The static module graph of the given entry files (paths relative to `root`). */
export function staticModuleGraph(root: string, entries: readonly string[]): ModuleGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(readFileSync(join(root, file), 'utf8'))) {
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) {
        packages.add(packageName(spec));
        continue;
      }
      // Sources import their siblings by the compiled name (x.js); the file is x.ts.
      const target = relative(root, join(root, dirname(file), spec))
        .split('\\')
        .join('/');
      const ts = target.replace(/\.js$/, '.ts');
      if (!existsSync(join(root, ts))) throw new Error(`${file}: import '${spec}' names no file (${ts})`);
      todo.push(ts);
    }
  }
  return { files, packages };
}
