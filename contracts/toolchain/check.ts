/**
 * Every build ends here: the artifact must pass the VM's own deploy-time checks
 * (`prepareContract`: no floats, lingding v1 imports only, limits), so a contract that
 * builds is a contract that deploys. Refusals are reworded with function names.
 */
import { ContractRejectedError, prepareContract } from '../../node/vm/index.js';
import { ContractBuildError } from './errors.js';
import { functionIndex, stripCustomSections } from './wasm-sections.js';

/** `_ZN6floats8interest17h0123456789abcdefE` (Rust's legacy mangling) -> `floats::interest`. */
function demangle(name: string): string {
  if (!name.startsWith('_ZN') || !name.endsWith('E')) return name;
  const parts: string[] = [];
  let at = 3;
  while (at < name.length - 1) {
    const digits = /^\d+/.exec(name.slice(at));
    if (!digits) return name;
    at += digits[0].length;
    parts.push(name.slice(at, at + Number(digits[0])));
    at += Number(digits[0]);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  return parts.join('::');
}

/** The refusal's message with function indices replaced by names from `named` (a build that kept them). */
export function describeRefusal(e: ContractRejectedError, named: Uint8Array): string {
  const index = functionIndex(named);
  const label = (i: number) => {
    const n = index.name(i);
    return n ? `function "${demangle(n)}"` : `function ${i}`;
  };
  const message = e.message
    .replace(/^contract rejected \(\w+\): /, '')
    .replace(/^function (\d+)/, (_, i: string) => label(Number(i)))
    .replace(/^type (\d+)/, (m, t: string) => {
      const users = index.withType(Number(t)).map(label);
      return users.length ? `${m} (the signature of ${users.join(', ')})` : m;
    });
  const hint = e.code === 'FLOAT' ? '; contracts compute with integers only (u64, u256 fixed-point amounts)' : '';
  return `the VM refuses this contract (${e.code}): ${message}${hint}`;
}

/**
 * Checks `wasm` with the VM. On a refusal, `named()` supplies a build of the same source
 * that keeps its name section, so the error can name the function; if that build is not
 * refused for the same reason, the original refusal is reported as it is.
 */
export async function checkContract(what: string, wasm: Uint8Array, named: () => Promise<Uint8Array>): Promise<void> {
  try {
    prepareContract(wasm);
  } catch (e) {
    if (!(e instanceof ContractRejectedError)) throw e;
    const withNames = await named();
    let detailed: ContractRejectedError | undefined;
    try {
      // Custom sections (names, debug info) do not count against the size limit when shipped.
      prepareContract(stripCustomSections(withNames));
    } catch (again) {
      if (again instanceof ContractRejectedError && again.code === e.code) detailed = again;
    }
    throw new ContractBuildError(
      `${what}: ${detailed ? describeRefusal(detailed, withNames) : describeRefusal(e, wasm)}`,
    );
  }
}
