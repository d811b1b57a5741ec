#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=100 --expose-gc
// Entry for `npx lingding` / the package bin: the compiled CLI, run by plain node.
// The V8 flags are node/package NODE_PROCESS_FLAGS (why: there): every node started through the bin gets them.
// `npm install` builds it (the prepare script); `npm run build` rebuilds it after a change.
import { existsSync } from 'node:fs';

const main = new URL('../../dist/tools/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("error: Lingding is not built (dist/ is missing): run 'npm run build' in its folder\n");
  process.exit(1);
}
await import(main.href);
