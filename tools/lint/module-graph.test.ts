import { describe, expect, it } from 'vitest';
import { staticImports } from './module-graph.js';

describe('staticImports', () => {
  it('keeps what survives compilation: static imports, re-exports and side-effect imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import {\n  b,\n  type B,\n} from '../b/b.js';",
      "import type { C } from './c.js';",
      "export type { D } from './d.js';",
      "export * from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "import { z } from 'zod';",
    ].join('\n');
    expect(staticImports(text)).toEqual(['./a.js', '../b/b.js', './e.js', './f.js', 'zod']);
  });
});
