import { FunctionFragment, Interface } from 'ethers';
import { CliError } from './output.js';

/**
 * Turns a method given on the command line — `set(string,string)` or a full fragment like
 * `get(string) view returns (bool,string)` — plus string arguments into ABI calldata.
 * Arguments of array/tuple types are given as JSON.
 */
export function methodInterface(signature: string): { iface: Interface; fn: FunctionFragment } {
  let fn: FunctionFragment;
  try {
    fn = FunctionFragment.from(signature.startsWith('function ') ? signature : `function ${signature}`);
  } catch (e) {
    throw new CliError(
      `cannot parse method '${signature}': ${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message}`,
    );
  }
  return { iface: new Interface([fn]), fn };
}

export function encodeCall(
  signature: string,
  args: string[],
): { data: string; iface: Interface; fn: FunctionFragment } {
  const { iface, fn } = methodInterface(signature);
  if (args.length !== fn.inputs.length)
    throw new CliError(`${fn.name} takes ${fn.inputs.length} argument(s), got ${args.length}`);
  const values = fn.inputs.map((p, i) => coerce(p.baseType, args[i], p.name || `arg${i}`));
  try {
    return { data: iface.encodeFunctionData(fn, values), iface, fn };
  } catch (e) {
    throw new CliError(
      `cannot encode arguments for ${fn.format()}: ${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message}`,
    );
  }
}

function coerce(baseType: string, v: string, name: string): unknown {
  if (baseType === 'array' || baseType === 'tuple') {
    try {
      return JSON.parse(v);
    } catch {
      throw new CliError(`argument ${name} must be JSON for type ${baseType}`);
    }
  }
  if (baseType === 'bool') {
    if (v !== 'true' && v !== 'false') throw new CliError(`argument ${name} must be true or false`);
    return v === 'true';
  }
  return v;
}

/** Decoded results as JSON-friendly values (bigints as decimal strings). */
export function jsonify(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(jsonify);
  return v;
}
