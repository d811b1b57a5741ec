import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertSupportedNode,
  builtCliArgs,
  isSupportedNode,
  LINGDING_VERSION,
  NODE_PROCESS_FLAGS,
  NotBuiltError,
  PACKAGE_ROOT,
  SUPPORTED_NODE,
} from './index.js';

describe('package facts', () => {
  it('finds the package root and reads the one version', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('lingding');
    expect(LINGDING_VERSION).toBe(pkg.version);
    expect(SUPPORTED_NODE).toBe(pkg.engines.node);
  });

  it('checks Node versions against the pinned range', () => {
    expect(isSupportedNode('v22.12.0', '>=22.12 <23')).toBe(true);
    expect(isSupportedNode('v22.23.3', '>=22.12 <23')).toBe(true);
    expect(isSupportedNode('v22.11.9', '>=22.12 <23')).toBe(false);
    expect(isSupportedNode('v20.20.2', '>=22.12 <23')).toBe(false);
    expect(isSupportedNode('v23.0.0', '>=22.12 <23')).toBe(false);
    expect(isSupportedNode('v24.1.0', '>=22.12.3 <25')).toBe(true);
    expect(isSupportedNode('garbage', '>=22.12 <23')).toBe(false);
    expect(() => isSupportedNode('v22.0.0', '^22')).toThrow(/not of the form/);
  });

  it('refuses an unsupported runtime with a message naming the range', () => {
    expect(() => assertSupportedNode('v20.20.2')).toThrow(
      /Node.js v20.20.2 is not supported: Lingding needs Node.js >=22/,
    );
    expect(() => assertSupportedNode(process.version)).not.toThrow();
  });

  it('a missing build: a NotBuiltError telling to run npm run build', () => {
    const missing = join(PACKAGE_ROOT, 'no-such-dist', 'main.js');
    expect(() => builtCliArgs(['info'], missing)).toThrow(NotBuiltError);
    expect(() => builtCliArgs(['info'], missing)).toThrow(
      `${missing} is missing: run 'npm run build' (npm install and npm test do it)`,
    );
  });
});

describe('NODE_PROCESS_FLAGS', () => {
  it('are the flags the package bin runs node with, so every way of starting a node gets them', () => {
    const shebang = readFileSync(join(PACKAGE_ROOT, 'tools/cli/bin.js'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_PROCESS_FLAGS.join(' ')}`);
  });
});

describe('releaseStartUpMemory', () => {
  /** Runs a child node with `flags` that fills the young generation, then releases; prints what it saw. */
  const run = (flags: readonly string[]): { released: boolean; before: number; after: number } => {
    const script = `
      import { getHeapSpaceStatistics } from 'node:v8';
      import { releaseStartUpMemory } from ${JSON.stringify(join(PACKAGE_ROOT, 'node/package/index.ts'))};
      const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').physical_space_size;
      let keep = [];
      for (let i = 0; i < 1e6; i++) { keep.push({ i }); if (keep.length > 50_000) keep = []; }
      const before = young();
      const released = releaseStartUpMemory();
      console.log(JSON.stringify({ released, before, after: young() }));`;
    const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').pop()!);
  };

  it('under NODE_PROCESS_FLAGS gives back the young generation start-up filled', () => {
    const r = run(NODE_PROCESS_FLAGS);
    expect(r.released).toBe(true);
    // The young generation grew to hold the garbage (16 MB measured) and is handed back.
    expect(r.before).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(r.after).toBeLessThan(r.before / 4);
  });

  it('without gc exposed does nothing', () => {
    const r = run(NODE_PROCESS_FLAGS.filter((f) => f !== '--expose-gc'));
    expect(r.released).toBe(false);
    expect(r.after).toBe(r.before);
  });
});
