export type { CryptoSuite, KeyPair, SuiteName } from './suite.js';
export { createEcdsaSuite, portableRecover } from './ecdsa.js';
export { loadNativeSecp256k1, type NativeSecp256k1 } from './native-secp256k1.js';
export {
  encryptKeystore,
  decryptKeystore,
  writeKeystoreFile,
  readKeystoreFile,
  writeSecretFile,
  KeystoreError,
  DEFAULT_SCRYPT_N,
  type KeystoreV3,
  type ScryptKdfParams,
  type Pbkdf2KdfParams,
  type EncryptKeystoreOptions,
  type WriteKeystoreOptions,
} from './keystore.js';
export {
  generateSupervisionKey,
  supervisionKeyFromSecret,
  isSupervisionPublicKey,
  readSupervisionKeyFile,
  writeSupervisionKeyFile,
  type SupervisionKeyPair,
  type SupervisionKeyFile,
} from './envelope.js';
export {
  generateNodeKey,
  nodeKeyToPem,
  nodeKeyFromPem,
  writeNodeKeyFile,
  readNodeKeyFile,
  nodeIdOf,
  NodeKeyError,
} from './node-key.js';
import { createEcdsaSuite } from './ecdsa.js';
import { LingdingError } from '../errors/index.js';
import type { CryptoSuite, SuiteName } from './suite.js';

export const CryptoErrorCode = { UnsupportedSuite: 'UNSUPPORTED_SUITE' } as const;

/** A crypto suite this build cannot run (genesis parsing refuses these first, naming the file). */
export class UnsupportedSuiteError extends LingdingError<typeof CryptoErrorCode.UnsupportedSuite> {
  constructor(suite: string) {
    super(
      CryptoErrorCode.UnsupportedSuite,
      suite === 'sm' ? "crypto suite 'sm' (SM2/SM3) is not available yet" : `unknown crypto suite '${suite}'`,
      { suite },
    );
    this.name = 'UnsupportedSuiteError';
  }
}

export function createSuite(name: SuiteName): CryptoSuite {
  if (name === 'ecdsa') return createEcdsaSuite();
  throw new UnsupportedSuiteError(String(name));
}
