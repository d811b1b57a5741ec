/**
 * The order of the system calls behind writeFileDurably, which no file content can show: a
 * power loss between the rename and the directory's fsync can bring back the old file (or
 * none), so the directory must be fsync'd after the rename, and the data before it. `node:fs`
 * is wrapped (in this file only) to record each open, fsync and rename with the path it
 * touches, then the real call runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const calls: string[] = [];

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const pathOfFd = new Map<number, string>();
  return {
    ...fs,
    openSync: (path: string, ...rest: [never]) => {
      const fd = fs.openSync(path, ...rest);
      pathOfFd.set(fd, String(path));
      return fd;
    },
    fsyncSync: (fd: number) => {
      calls.push(`fsync ${pathOfFd.get(fd)}`);
      fs.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      calls.push(`rename ${from} -> ${to}`);
      fs.renameSync(from, to);
    },
  };
});

const { writeFileDurably } = await import('./durable-file.js');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeFileDurably: what reaches the disk, in which order', () => {
  it('fsyncs the data before the rename and the directory after it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lingding-durable-order-'));
    dirs.push(dir);
    const path = join(dir, 'pbft-safety.bin');
    calls.length = 0;
    writeFileDurably(path, Uint8Array.of(1, 2, 3));
    expect(calls).toEqual([`fsync ${path}.tmp`, `rename ${path}.tmp -> ${path}`, `fsync ${dir}`]);
  });
});
