/**
 * Every build ends here: the artifact must pass the VM's own deploy-time checks
 * (`prepareContract`: no floats, lingding v1 imports only, limits), so a contract that
 * builds is a contract that deploys. Refusals are reworded with function names.
 */
import { ContractRejectedError, prepareContract } from '../../node/vm/index.js';
import { ContractBuildError } from './errors.js';
import { functionIndex } from './wasm-sections.js';

/** The refusal's message with function indices replaced by names from `named` (a build that kept them). */
export function describeRefusal(e: ContractRejectedError, named: Uint8Array): string {
  const index = functionIndex(named);
  const label = (i: number) => {
    const n = index.name(i);
    return n ? `function "${n}"` : `function ${i}`;
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
 * Checks `wasm` with the VM. On a refusal, `named()` supplies a build of the same code
 * that keeps its name section, so the error can name the function.
 */
export async function checkContract(what: string, wasm: Uint8Array, named: () => Promise<Uint8Array>): Promise<void> {
  try {
    prepareContract(wasm);
  } catch (e) {
    if (!(e instanceof ContractRejectedError)) throw e;
    let detailed: ContractRejectedError = e;
    const withNames = await named();
    try {
      prepareContract(withNames);
    } catch (again) {
      if (again instanceof ContractRejectedError) detailed = again;
    }
    throw new ContractBuildError(`${what}: ${describeRefusal(detailed, withNames)}`);
  }
}
