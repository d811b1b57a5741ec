/** The example contracts, built (and cached) for tests. */
import { join } from 'node:path';
import { buildAssemblyScript } from '../toolchain/assemblyscript.js';
import { cachedBuild, CONTRACTS_DIR, type CachedBuild } from './build-cache.js';

/** An AssemblyScript example: contracts/examples/assembly/<name>.ts. */
export function asExample(name: string): Promise<CachedBuild> {
  return cachedBuild(`as-${name}`, ['as-sdk', 'toolchain', `examples/assembly/${name}.ts`], () =>
    buildAssemblyScript(join(CONTRACTS_DIR, 'examples', 'assembly', `${name}.ts`)),
  );
}
