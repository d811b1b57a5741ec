import { CliError } from './output.js';

/** Passwords come from --password or LINGDING_PASSWORD, never from a prompt in scripts. */
export function readPassword(flag?: string): string {
  const pw = flag ?? process.env.LINGDING_PASSWORD;
  if (pw === undefined || pw === '')
    throw new CliError('a password is required: pass --password or set LINGDING_PASSWORD');
  return pw;
}
