/** The benchmarks' flags: `--name value`, with the default when the flag is absent. */
export function stringArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

/** A numeric flag; refuses a value that is not a number rather than running with NaN. */
export function numberArg(name: string, dflt: number): number {
  const v = stringArg(name, String(dflt));
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} expects a number, got '${v}'`);
  return n;
}

/** Whether `--name` was given at all. */
export function hasArg(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
