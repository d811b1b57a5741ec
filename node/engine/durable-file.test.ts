import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileDurably } from './durable-file.js';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lingding-durable-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeFileDurably', () => {
  it('writes the bytes, owner-only, and leaves no temporary file', () => {
    const d = dir();
    const p = join(d, 'safety.bin');
    writeFileDurably(p, Uint8Array.of(1, 2, 3));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    if (process.platform !== 'win32') expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(d)).toEqual(['safety.bin']);
  });

  it('replaces a longer file completely (no stale tail)', () => {
    const d = dir();
    const p = join(d, 'f');
    writeFileDurably(p, new Uint8Array(100).fill(7));
    writeFileDurably(p, Uint8Array.of(9));
    expect([...readFileSync(p)]).toEqual([9]);
    expect(readdirSync(d)).toEqual(['f']);
  });

  it('overwrites a temporary file left by a crash mid-write', () => {
    const d = dir();
    const p = join(d, 'f');
    writeFileDurably(p, Uint8Array.of(1));
    writeFileSync(`${p}.tmp`, 'half-written garbage from before the crash');
    writeFileDurably(p, Uint8Array.of(2, 2));
    expect([...readFileSync(p)]).toEqual([2, 2]);
    expect(existsSync(`${p}.tmp`)).toBe(false);
  });

  it('a write that cannot complete leaves the old file as it was', () => {
    const d = dir();
    const p = join(d, 'f');
    writeFileDurably(p, Uint8Array.of(5));
    // The temporary path is taken by a directory: the new bytes cannot be staged.
    const blocker = join(d, 'f.tmp');
    mkdirSync(blocker);
    expect(() => writeFileDurably(p, Uint8Array.of(6))).toThrow();
    expect([...readFileSync(p)]).toEqual([5]);
    expect(() => writeFileDurably(join(d, 'missing', 'f'), Uint8Array.of(1))).toThrow(/ENOENT/);
  });

  it('writes every byte of a larger file', () => {
    const p = join(dir(), 'big');
    const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    writeFileDurably(p, data);
    expect(Buffer.compare(readFileSync(p), data)).toBe(0);
  });

  it('writes an empty file', () => {
    const p = join(dir(), 'empty');
    writeFileDurably(p, new Uint8Array());
    expect(readFileSync(p).length).toBe(0);
  });
});
