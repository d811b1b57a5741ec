/**
 * The benches' signer: the node's ECDSA suite with signing through libsecp256k1 (the addon
 * the node recovers signers with) when it loads. Both sign deterministically (RFC 6979,
 * low-s), so the bytes are the portable suite's; only the time differs, ~80 µs against
 * ~1 ms a signature, which is what lets a bench pre-sign a minute of load in seconds.
 */
import { createRequire } from 'node:module';
import { createEcdsaSuite, type CryptoSuite } from '../../node/crypto/index.js';

interface Secp256k1Bindings {
  ecdsaSign(msg32: Uint8Array, secretKey: Uint8Array): { signature: Uint8Array; recid: number };
}

function loadBindings(): Secp256k1Bindings | null {
  if (process.env.LINGDING_NO_NATIVE_CRYPTO === '1') return null;
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Bindings;
  } catch {
    return null;
  }
}

function benchSuite(): CryptoSuite {
  const portable = createEcdsaSuite();
  const native = loadBindings();
  if (!native) return portable;
  const sign = (digest: Uint8Array, secretKey: Uint8Array): Uint8Array => {
    const { signature, recid } = native.ecdsaSign(digest, secretKey);
    const out = new Uint8Array(65);
    out.set(signature, 0);
    out[64] = recid;
    return out;
  };
  // Refuse a signer that disagrees with the node's own suite rather than bench wrong bytes.
  const probe = portable.hash(new TextEncoder().encode('lingding bench signer'));
  const key = portable.generateKeyPair().secretKey;
  if (Buffer.compare(sign(probe, key), portable.sign(probe, key)) !== 0) return portable;
  return Object.assign(Object.create(portable) as CryptoSuite, { sign });
}

export const suite: CryptoSuite = benchSuite();
