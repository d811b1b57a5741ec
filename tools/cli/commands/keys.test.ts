import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { readSupervisionKeyFile } from '../../../node/crypto/envelope.js';
import { toHex } from '../../../node/codec/hex.js';
import { registerKeyCommands } from './keys.js';

describe('lingding keygen --type supervision', () => {
  it('writes a supervision key file and prints its public key and key id', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lingding-keygen-')), 'supervision.json');
    const program = new Command('lingding').exitOverride();
    registerKeyCommands(program);
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => written.push(String(s)) > 0);
    try {
      await program.parseAsync(['keygen', '--type', 'supervision', '--out', out, '--json'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    const printed = JSON.parse(written.join(''));
    const key = readSupervisionKeyFile(out);
    expect(printed).toEqual({
      type: 'supervision',
      file: out,
      publicKey: toHex(key.publicKey),
      keyId: toHex(key.keyId),
    });
  });
});
