export type { CryptoSuite, KeyPair, SuiteName } from './suite.js';
export { createEcdsaSuite } from './ecdsa.js';
import { createEcdsaSuite } from './ecdsa.js';
import type { CryptoSuite, SuiteName } from './suite.js';

export function createSuite(name: SuiteName): CryptoSuite {
  switch (name) {
    case 'ecdsa':
      return createEcdsaSuite();
    case 'sm':
      throw new Error("crypto suite 'sm' (SM2/SM3) is not available yet");
    default:
      throw new Error(`unknown crypto suite '${String(name)}'`);
  }
}
