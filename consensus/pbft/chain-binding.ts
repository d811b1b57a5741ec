import { encodeCanonical } from '../../node/codec/canonical.js';
import type { CryptoSuite } from '../../node/crypto/suite.js';

/**
 * The crypto suite as consensus uses it: bound to one chain. Every digest a validator signs
 * (pre-prepare, prepare, commit, view change) includes `chainTag`, so a vote or a commit
 * certificate from one chain is worthless on another — a test chain, a fork with another
 * genesis, a chain that reuses validator keys — even at the same height and view.
 */
export interface PbftSuite extends CryptoSuite {
  /** H("lingding/chain" ‖ chainId ‖ genesisHash): what every consensus signature binds. */
  readonly chainTag: Uint8Array;
}

export function chainTag(suite: CryptoSuite, chainId: string, genesisHash: Uint8Array): Uint8Array {
  return suite.hash(encodeCanonical(['lingding/chain', chainId, genesisHash]));
}

/** `suite`, bound to the chain `tag` names (an explicit wrapper: suites may be class instances). */
export function bindSuiteToChain(suite: CryptoSuite, tag: Uint8Array): PbftSuite {
  if (tag.length !== 32) throw new RangeError(`a chain tag is 32 bytes, got ${tag.length}`);
  return {
    name: suite.name,
    signatureLength: suite.signatureLength,
    chainTag: Uint8Array.from(tag),
    hash: (d) => suite.hash(d),
    generateKeyPair: () => suite.generateKeyPair(),
    keyPairFromSecret: (s) => suite.keyPairFromSecret(s),
    addressFromPublicKey: (p) => suite.addressFromPublicKey(p),
    sign: (d, s) => suite.sign(d, s),
    recoverSigner: (d, s) => suite.recoverSigner(d, s),
    verify: (d, s, p) => suite.verify(d, s, p),
  };
}
