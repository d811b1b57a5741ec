import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from './output.js';
import { type PasswordInput, readPassword } from './password.js';

const dir = mkdtempSync(join(tmpdir(), 'lingding-password-'));

function fileWith(text: string): string {
  const f = join(dir, `pw-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, text);
  return f;
}

/** No terminal unless answers are given; each prompt takes the next answer. */
function input(env: NodeJS.ProcessEnv, answers?: string[]): PasswordInput & { asked: string[] } {
  const asked: string[] = [];
  return {
    env,
    interactive: answers !== undefined,
    asked,
    prompt: async (q) => {
      asked.push(q);
      return answers!.shift()!;
    },
  };
}

describe('readPassword', () => {
  it('reads the first line of --password-file, without its line ending, before the environment', async () => {
    expect(await readPassword({ passwordFile: fileWith('s3cret\n') }, {}, input({ LINGDING_PASSWORD: 'env' }))).toBe(
      's3cret',
    );
    expect(await readPassword({ passwordFile: fileWith('with space\r\nsecond line') }, {}, input({}))).toBe(
      'with space',
    );
  });

  it('reads LINGDING_PASSWORD when no file is given, without prompting', async () => {
    const io = input({ LINGDING_PASSWORD: 'from-env' }, []);
    expect(await readPassword({}, {}, io)).toBe('from-env');
    expect(io.asked).toEqual([]);
  });

  it('refuses, naming the alternatives, when there is neither a file, the variable nor a terminal', async () => {
    const refused = readPassword({}, { what: 'k.json' }, input({ LINGDING_PASSWORD: '' }));
    await expect(refused).rejects.toThrow(CliError);
    await expect(refused).rejects.toThrow(
      'a password is required for k.json: give --password-file <file> or set LINGDING_PASSWORD (no terminal to prompt on)',
    );
  });

  it('refuses a missing or empty password file with its name', async () => {
    await expect(readPassword({ passwordFile: join(dir, 'absent') }, {}, input({}))).rejects.toThrow(
      /cannot read the password file .*absent: ENOENT/,
    );
    const empty = fileWith('\nsecond');
    await expect(readPassword({ passwordFile: empty }, {}, input({}))).rejects.toThrow(
      `the password file ${empty} is empty`,
    );
  });

  it('prompts on a terminal, twice for a new keystore, and refuses two different answers', async () => {
    const once = input({}, ['typed']);
    expect(await readPassword({}, { what: 'k.json' }, once)).toBe('typed');
    expect(once.asked).toEqual(['password for k.json: ']);
    expect(await readPassword({}, { confirm: true }, input({}, ['a', 'a']))).toBe('a');
    await expect(readPassword({}, { confirm: true }, input({}, ['a', 'b']))).rejects.toThrow(
      'the two passwords differ',
    );
    await expect(readPassword({}, {}, input({}, ['']))).rejects.toThrow('the password is empty');
  });
});
