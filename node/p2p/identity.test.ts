import { describe, expect, it } from 'vitest';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { createEcdsaSuite } from '../crypto/index.js';
import { nodeIdFromPeerId, nodeIdFromSecretKey, parseNodeId, peerIdFromNodeId } from './identity.js';
import { P2PError } from './errors.js';

describe('node identity', () => {
  const suite = createEcdsaSuite({ native: false });

  it('is the uncompressed public key, as the crypto suite and genesis spell it', () => {
    const kp = suite.generateKeyPair();
    expect(nodeIdFromSecretKey(kp.secretKey)).toBe(Buffer.from(kp.publicKey).toString('hex'));
  });

  it('maps to the PeerId libp2p derives from the same secret key, and back', () => {
    for (let i = 0; i < 5; i++) {
      const { secretKey } = suite.generateKeyPair();
      const nodeId = nodeIdFromSecretKey(secretKey);
      const peerId = peerIdFromNodeId(nodeId);
      expect(peerId.equals(peerIdFromPrivateKey(privateKeyFromRaw(secretKey)))).toBe(true);
      expect(nodeIdFromPeerId(peerId)).toBe(nodeId);
    }
  });

  it('normalizes 0x and upper case, and rejects other forms with a clear error', () => {
    const { secretKey } = suite.generateKeyPair();
    const nodeId = nodeIdFromSecretKey(secretKey);
    expect(parseNodeId('0x' + nodeId.toUpperCase())).toBe(nodeId);
    const compressed = Buffer.from(secp256k1.getPublicKey(secretKey, true)).toString('hex');
    expect(() => parseNodeId(compressed)).toThrow(/64 bytes of hex/);
    expect(() => parseNodeId('04' + nodeId)).toThrow(P2PError);
    expect(() => parseNodeId('00'.repeat(64))).toThrow(/not a point on secp256k1/);
    expect(() => nodeIdFromSecretKey(new Uint8Array(32))).toThrow(/secret key/);
  });
});
