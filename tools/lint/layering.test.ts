import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../node/package/index.js';
import { layeringViolations, readSourceTree, relativeImports } from './layering.js';

const file = (path: string, ...imports: string[]) => ({
  path,
  text: imports.map((i, k) => `import { x${k} } from '${i}';`).join('\n'),
});

describe('layering rule', () => {
  it('finds static, type, re-export, side-effect and dynamic imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "import './e.js';",
      "const f = await import('../f/f.js');",
      "import { z } from 'zod';",
    ].join('\n');
    expect(relativeImports(text)).toEqual(['./a.js', '../b/b.js', './c.js', './d.js', './e.js', '../f/f.js']);
  });

  it('allows imports of lower layers and within a folder', () => {
    expect(
      layeringViolations([
        file('node/exec/executor.ts', '../state/overlay.js', '../codec/hex.js', './gas.js'),
        file('node/main/node.ts', '../rpc/server.js', '../../consensus/index.js'),
        file('tools/cli/main.ts', '../../node/main/node.js', '../../contracts/toolchain/index.js'),
        file('test/core/x.test.ts', '../../tools/devnet/cluster.js'),
      ]),
    ).toEqual([]);
  });

  it('refuses a deliberate bad import: a lower layer reaching up', () => {
    const v = layeringViolations([file('node/state/world-state.ts', '../rpc/server.js')]);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ file: 'node/state/world-state.ts', specifier: '../rpc/server.js' });
    expect(v[0].reason).toMatch(/node\/state \(layer 3\) may not import node\/rpc \(layer 11\)/);
  });

  it('refuses imports between two folders of one layer (sync must not depend on the engine)', () => {
    const v = layeringViolations([file('node/sync/block-sync.ts', '../engine/pbft.js')]);
    expect(v.map((x) => x.reason)).toEqual([expect.stringMatching(/node\/sync .* may not import node\/engine/)]);
  });

  it('refuses node/ and consensus/ code importing tools/, and unit tests importing tools/', () => {
    const v = layeringViolations([
      file('node/chain/chain.ts', '../../tools/client/rpc-client.js'),
      file('consensus/pbft/core.ts', '../../node/rpc/server.js'),
      file('node/chain/chain.test.ts', '../../tools/devnet/local-chain.js'),
      file('node/chain/chain.test.ts', '../../test/helpers/p2p.js'),
    ]);
    expect(v.map((x) => x.file)).toEqual(['node/chain/chain.ts', 'consensus/pbft/core.ts', 'node/chain/chain.test.ts']);
  });

  it('refuses a unit test that reaches tools/ through a test helper, naming the chain', () => {
    const v = layeringViolations([
      file('node/rpc/x.test.ts', '../../test/helpers/node.js'),
      file('test/helpers/node.ts', './client.js'),
      file('test/helpers/client.ts', '../../tools/client/rpc-client.js'),
      file('node/chain/y.test.ts', '../../test/helpers/pools.js'),
      file('test/helpers/pools.ts', '../../node/txpool/pool.js'),
    ]);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ file: 'node/rpc/x.test.ts', specifier: '../../test/helpers/node.js' });
    expect(v[0].reason).toMatch(
      /may not reach tools\/client\/rpc-client\.ts \(through test\/helpers\/node\.ts → test\/helpers\/client\.ts\)/,
    );
  });

  it('names a node/ folder that has no layer yet', () => {
    const v = layeringViolations([file('node/newthing/a.ts', '../codec/hex.js')]);
    expect(v[0].reason).toMatch(/node\/newthing has no layer/);
  });

  it('holds for the whole tree', () => {
    const v = layeringViolations(readSourceTree(PACKAGE_ROOT));
    expect(v.map((x) => `${x.file}: ${x.specifier}: ${x.reason}`)).toEqual([]);
  });
});
