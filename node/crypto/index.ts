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
  generateNodeKey,
  nodeKeyToPem,
  nodeKeyFromPem,
  writeNodeKeyFile,
  readNodeKeyFile,
  nodeIdOf,
  NodeKeyError,
} from './node-key.js';
import { createEcdsaSuite } from './ecdsa.js';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import type { CryptoSuite, SuiteName } from './suite.js';

export function createSuite(name: SuiteName): CryptoSuite {
  switch (name) {
    case 'ecdsa':
      return createEcdsaSuite();
    case 'sm':
      throw new ConfigError("crypto suite 'sm' (SM2/SM3) is not available yet", ConfigErrorCode.UnsupportedSuite, {
        suite: name,
      });
    default:
      throw new ConfigError(`unknown crypto suite '${String(name)}'`, ConfigErrorCode.UnsupportedSuite, {
        suite: String(name),
      });
  }
}
