/**
 * vitest global setup of the cluster tier: the multi-process tests run node processes from
 * the build in dist/ (as `npm start` does), so the build is brought up to date first. tsc is
 * incremental: with nothing changed this takes about a second.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PACKAGE_ROOT } from '../../node/package/index.js';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
}
