/** Compiles WebAssembly text to binary with wabt, with every proposal the tests need enabled. */
import wabtInit from 'wabt';

const wabt = await wabtInit();

const FEATURES = {
  multi_value: true,
  sign_extension: true,
  mutable_globals: true,
  bulk_memory: true,
  reference_types: true,
  simd: true,
  threads: true,
  tail_call: true,
  exceptions: true,
  sat_float_to_int: true,
  extended_const: true,
};

/** `validate: false` lets a test build a module that V8 will refuse. */
export function wat(text: string, { validate = true } = {}): Uint8Array {
  const module = wabt.parseWat('contract.wat', text, FEATURES);
  try {
    module.resolveNames();
    if (validate) module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
