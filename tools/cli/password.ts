import { readFileSync } from 'node:fs';
import { CliError } from './output.js';

/** The flag every command that needs a keystore password offers (never the password itself: `ps` shows argv). */
export const PASSWORD_FILE_FLAG = '--password-file <file>';
export const PASSWORD_FILE_HELP =
  'file holding the keystore password (or set LINGDING_PASSWORD; a terminal is prompted)';

export interface PasswordOptions {
  /** `--password-file`: the password is the file's first line. */
  passwordFile?: string;
}

/** Where a password can come from besides the flag; replaced in tests. */
export interface PasswordInput {
  readonly env: NodeJS.ProcessEnv;
  /** Whether someone can be asked: stdin is a terminal. */
  readonly interactive: boolean;
  /** Asks without echoing what is typed. */
  prompt(question: string): Promise<string>;
}

/**
 * A keystore password from, in order: `--password-file`, LINGDING_PASSWORD, or a prompt
 * without echo when stdin is a terminal. Never from argv, where every user of the machine
 * can read it (`ps`). `confirm` asks twice at a prompt, for a keystore about to be created.
 * `what` names what the password is for, in the refusal.
 */
export async function readPassword(
  o: PasswordOptions,
  { confirm = false, what = 'the keystore' }: { confirm?: boolean; what?: string } = {},
  input: PasswordInput = terminalInput(),
): Promise<string> {
  if (o.passwordFile !== undefined) return readPasswordFile(o.passwordFile);
  const fromEnv = input.env.LINGDING_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!input.interactive) {
    throw new CliError(
      `a password is required for ${what}: give --password-file <file> or set LINGDING_PASSWORD (no terminal to prompt on)`,
    );
  }
  const pw = await input.prompt(`password for ${what}: `);
  if (pw === '') throw new CliError('the password is empty');
  if (confirm && (await input.prompt('repeat the password: ')) !== pw) throw new CliError('the two passwords differ');
  return pw;
}

/** The file's first line, without its line ending (editors add one; a password rarely ends in one). */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(
      `cannot read the password file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const pw = text.split(/\r?\n/)[0];
  if (pw === '') throw new CliError(`the password file ${file} is empty (the password is its first line)`);
  return pw;
}

function terminalInput(): PasswordInput {
  return { env: process.env, interactive: process.stdin.isTTY === true, prompt: promptWithoutEcho };
}

/** Reads one line from the terminal in raw mode, so nothing typed is echoed. */
function promptWithoutEcho(question: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (end: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      end();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(typed));
        if (ch === '\u0003' || ch === '\u0004')
          return done(() => reject(new CliError('no password given (cancelled)')));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
