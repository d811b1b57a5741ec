import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_LIMIT_MESSAGE } from './index.js';

interface Line {
  name: string;
  limits: 'default' | 'generous';
  status?: string;
  trapMessage?: string;
  error?: string;
  depth: number;
}

/** Runs test/helpers/vm/stack-child.ts under `node --stack-size=<kb>` (the same Node as this test). */
function runChild(stackSizeKb: number): Line[] {
  const out = execFileSync(
    process.execPath,
    [`--stack-size=${stackSizeKb}`, '--import', 'tsx', 'test/helpers/vm/stack-child.ts'],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

describe('stack-depth limit', () => {
  let small: Line[];
  let large: Line[];
  beforeAll(() => {
    small = runChild(500);
    large = runChild(4000);
  });
  const withDefaults = (lines: Line[]) => lines.filter((l) => l.limits === 'default');

  it('stops unbounded recursion identically under --stack-size=500 and --stack-size=4000', () => {
    expect(withDefaults(small)).toEqual(withDefaults(large));
    for (const name of ['small', 'big']) {
      const line = withDefaults(small).find((l) => l.name === name)!;
      expect(line).toMatchObject({ status: 'trap', trapMessage: STACK_LIMIT_MESSAGE });
    }
    // Frames of ~900 locals stop far earlier than tiny ones: the frame size is accounted.
    const depth = (name: string) => withDefaults(small).find((l) => l.name === name)!.depth;
    expect(depth('big')).toBeLessThan(depth('small') / 20);
    // Recursion through call_contract shares the same budget; the innermost call fails.
    expect(depth('nested')).toBeGreaterThan(8);
  });

  it('is what saves the node: without it V8 overflows under --stack-size=500', () => {
    for (const line of small.filter((l) => l.limits === 'generous')) expect(line.error).toBe('VmInternalError');
  });
});
