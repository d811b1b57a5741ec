import { secp256k1 } from '@noble/curves/secp256k1.js';
import { privateKeyFromRaw, publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { NodeIdError, parseNodeId as canonicalNodeId, type NodeId } from '../crypto/node-id.js';
import { P2PError } from './errors.js';

/**
 * A node's identity on the network: the hex (lowercase, no 0x) of its secp256k1 public
 * key in uncompressed form without the 0x04 prefix — 64 bytes, 128 hex digits. This is
 * the FISCO BCOS node id format and the one the genesis file lists sealers and observers
 * in, so ids read from config compare equal to ids reported by the network.
 *
 * libp2p names peers by the *compressed* (33-byte) key, so a PeerId is derived by
 * compressing the point; the mapping is one-to-one in both directions.
 */
export type { NodeId };

/**
 * Normalizes (drops 0x, lowercases) and validates a node id, including that it is a point
 * on secp256k1, since a PeerId is derived from it; throws INVALID_NODE_ID.
 */
export function parseNodeId(input: string): NodeId {
  let id: NodeId;
  try {
    id = canonicalNodeId(input);
  } catch (e) {
    if (e instanceof NodeIdError) throw new P2PError('INVALID_NODE_ID', e.message);
    throw e;
  }
  try {
    secp256k1.Point.fromBytes(uncompressedPoint(id));
  } catch {
    throw new P2PError('INVALID_NODE_ID', `node id ${id.slice(0, 16)}… is not a point on secp256k1`);
  }
  return id;
}

/** The node id of the node whose 32-byte secp256k1 secret key is given. */
export function nodeIdFromSecretKey(secretKey: Uint8Array): NodeId {
  assertSecretKey(secretKey);
  return Buffer.from(secp256k1.getPublicKey(secretKey, false).subarray(1)).toString('hex');
}

/** The libp2p PeerId a node id is known by on the wire. */
export function peerIdFromNodeId(nodeId: NodeId): PeerId {
  const point = secp256k1.Point.fromBytes(uncompressedPoint(parseNodeId(nodeId)));
  return peerIdFromPublicKey(publicKeyFromRaw(point.toBytes(true)));
}

/** The node id behind a libp2p PeerId; throws INVALID_NODE_ID for non-secp256k1 peers. */
export function nodeIdFromPeerId(peerId: PeerId): NodeId {
  if (peerId.type !== 'secp256k1') {
    throw new P2PError(
      'INVALID_NODE_ID',
      `peer ${peerId.toString()} has a ${peerId.type} key; lingding nodes use secp256k1`,
    );
  }
  return Buffer.from(secp256k1.Point.fromBytes(peerId.publicKey.raw).toBytes(false).subarray(1)).toString('hex');
}

/** The libp2p private key (noise static identity) for a node's secret key. */
export function libp2pPrivateKey(secretKey: Uint8Array): PrivateKey {
  assertSecretKey(secretKey);
  return privateKeyFromRaw(secretKey);
}

/** Node ids are long; log lines show the first 16 hex digits, as FISCO BCOS does. */
export function shortNodeId(nodeId: NodeId): string {
  return nodeId.slice(0, 16);
}

function assertSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32 || !secp256k1.utils.isValidSecretKey(secretKey)) {
    throw new P2PError('INVALID_OPTIONS', 'node secret key must be a valid 32-byte secp256k1 scalar');
  }
}

function uncompressedPoint(id: NodeId): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(Buffer.from(id, 'hex'), 1);
  return out;
}
