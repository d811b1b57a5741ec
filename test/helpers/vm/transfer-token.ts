/**
 * A stand-in contract VM for pilot and supervision tests that need Transfer events without
 * WebAssembly: every deployed contract is a token whose input is from (20 bytes) ‖ to
 * (20 bytes) ‖ value (32 bytes), and a call emits that one ERC-20 Transfer.
 */
import { encodeCanonical } from '../../../node/codec/canonical.js';
import { concatBytes } from '../../../node/codec/hex.js';
import { codeKey } from '../../../node/exec/addresses.js';
import type { ContractVm } from '../../../node/exec/executor.js';
import { TRANSFER_TOPIC } from '../../../node/exec/system/index.js';
import type { Contract } from '../../../node/exec/types.js';

const token: Contract = {
  call(frame) {
    const i = frame.input;
    const word = (a: Uint8Array) => concatBytes(new Uint8Array(12), a);
    frame.emit({
      address: frame.self,
      topics: [TRANSFER_TOPIC, word(i.slice(0, 20)), word(i.slice(20, 40))],
      data: i.slice(40, 72),
    });
    return new Uint8Array();
  },
};

/** The code a deployed stand-in token holds in state (anything non-empty resolves to the token). */
export const TRANSFER_TOKEN_CODE = encodeCanonical([new Uint8Array(32)]);

export const transferTokenVm: ContractVm = {
  deploy: (frame, _input, address) => frame.state.set(codeKey(address), TRANSFER_TOKEN_CODE),
  resolve: (state, address) => (state.get(codeKey(address)) ? token : null),
  bindResolver: () => {},
};
