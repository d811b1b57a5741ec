import { readFileSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { writeSecretFile } from './keystore.js';
import { type CodeOf, LingdingError } from '../errors/index.js';
import type { NodeId } from './node-id.js';

/**
 * Node identity keys. A node key is a secp256k1 secret (whatever the chain's crypto
 * suite: it identifies the machine on the network, as in FISCO BCOS, and doubles as the
 * node's libp2p identity). Its public half, as 128 hex digits, is the node id that the
 * admission lists and the sealer list name.
 *
 * On disk it is a PKCS#8 "PRIVATE KEY" PEM, the form OpenSSL and node:crypto write, so
 * operators can inspect it with `openssl pkey -in node.pem -text`. We write the DER from
 * fixed byte prefixes (the only variable parts are the two keys), and read both PKCS#8 and
 * OpenSSL's SEC1 "EC PRIVATE KEY" form with a small DER reader that names what is wrong.
 */
export const NodeKeyErrorCode = {
  /** Not a PEM / DER node key, or a key that is not a valid secp256k1 secret. */
  Invalid: 'INVALID',
  /** A well-formed key of another algorithm or curve. */
  WrongAlgorithm: 'WRONG_ALGORITHM',
  /** The file cannot be read or written. */
  Io: 'IO',
} as const;
export type NodeKeyErrorCodeValue = CodeOf<typeof NodeKeyErrorCode>;

export class NodeKeyError extends LingdingError<NodeKeyErrorCodeValue> {
  constructor(message: string, code: NodeKeyErrorCodeValue = NodeKeyErrorCode.Invalid) {
    super(code, message);
    this.name = 'NodeKeyError';
  }
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_SECP256K1 = '1.3.132.0.10';

/** What a foreign key is, for the error message. */
const KNOWN_OIDS: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'prime256v1 (P-256)',
  '1.3.132.0.34': 'secp384r1 (P-384)',
  '1.3.132.0.35': 'secp521r1 (P-521)',
  '1.2.156.10197.1.301': 'SM2 (sm2p256v1)',
  '1.3.101.112': 'Ed25519',
  '1.3.101.110': 'X25519',
  '1.2.840.113549.1.1.1': 'RSA',
};

// PKCS#8 PrivateKeyInfo { version 0, AlgorithmIdentifier { ecPublicKey, secp256k1 },
//   OCTET STRING { ECPrivateKey { version 1, OCTET STRING(32) secret, [1] BIT STRING pub } } }
// = 30 81 84 | 02 01 00 | 30 10 06 07 2a8648ce3d0201 06 05 2b8104000a | 04 6d
//   30 6b 02 01 01 04 20 <secret:32> a1 44 03 42 00 04 <x||y:64>       (135 bytes)
const PKCS8_HEAD = hexBytes('308184020100301006072a8648ce3d020106052b8104000a046d306b0201010420');
const PKCS8_PUB = hexBytes('a14403420004');

export function generateNodeKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey();
}

/** The node id: the 64-byte uncompressed public key (no 0x04 prefix) as lowercase hex. */
export function nodeIdOf(secret: Uint8Array): NodeId {
  return Buffer.from(publicKeyOf(secret)).toString('hex');
}

export function nodeKeyToPem(secret: Uint8Array): string {
  const pub = publicKeyOf(secret); // validates the secret
  const der = new Uint8Array(PKCS8_HEAD.length + 32 + PKCS8_PUB.length + 64);
  let o = 0;
  for (const part of [PKCS8_HEAD, secret, PKCS8_PUB, pub]) {
    der.set(part, o);
    o += part.length;
  }
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/** Parses a PKCS#8 or SEC1 PEM holding a secp256k1 private key; returns the 32-byte secret. */
export function nodeKeyFromPem(pem: string): Uint8Array {
  if (typeof pem !== 'string') throw new NodeKeyError('node key PEM must be text');
  const block = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/.exec(pem);
  if (!block) throw new NodeKeyError('not a PEM file: no "-----BEGIN ...-----" / "-----END ...-----" block');
  let label = block[1];
  let body = block[2];
  // `openssl ecparam -genkey` puts an "EC PARAMETERS" block before the key itself.
  if (label === 'EC PARAMETERS') {
    const key = /-----BEGIN (EC PRIVATE KEY)-----([^-]*)-----END EC PRIVATE KEY-----/.exec(pem);
    if (!key) throw new NodeKeyError('PEM holds EC parameters but no "EC PRIVATE KEY" block');
    [, label, body] = key;
  }
  const der = base64Body(body);
  switch (label) {
    case 'PRIVATE KEY':
      return parsePkcs8(der);
    case 'EC PRIVATE KEY':
      return parseEcPrivateKey(der, true);
    case 'ENCRYPTED PRIVATE KEY':
      throw new NodeKeyError('encrypted PEM node keys are not supported; protect the file with mode 0600 instead');
    case 'PUBLIC KEY':
      throw new NodeKeyError('this PEM is a public key; a node key file must hold the private key');
    case 'RSA PRIVATE KEY':
      throw new NodeKeyError('this PEM is an RSA key; node keys are secp256k1', NodeKeyErrorCode.WrongAlgorithm);
    default:
      throw new NodeKeyError(`unsupported PEM block "${label}" (expected "PRIVATE KEY")`);
  }
}

export function writeNodeKeyFile(path: string, secret: Uint8Array, opts: { overwrite?: boolean } = {}): void {
  writeSecretFile(path, nodeKeyToPem(secret), opts.overwrite ?? false);
}

export function readNodeKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NodeKeyError(`cannot read node key ${path}: ${(e as Error).message}`, NodeKeyErrorCode.Io);
  }
  try {
    return nodeKeyFromPem(text);
  } catch (e) {
    throw new NodeKeyError(`${path}: ${(e as Error).message}`);
  }
}

function publicKeyOf(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) throw new NodeKeyError('node key must be 32 bytes');
  if (!secp256k1.utils.isValidSecretKey(secret)) throw new NodeKeyError('node key is not a valid secp256k1 scalar');
  return secp256k1.getPublicKey(secret, false).subarray(1);
}

function parsePkcs8(der: Uint8Array): Uint8Array {
  const top = readTlv(der, 0, 0x30, 'PrivateKeyInfo');
  if (top.end !== der.length) throw new NodeKeyError('malformed PKCS#8: trailing bytes after PrivateKeyInfo');
  const version = readTlv(der, top.start, 0x02, 'PKCS#8 version');
  const algId = readTlv(der, version.end, 0x30, 'AlgorithmIdentifier');
  const alg = readTlv(der, algId.start, 0x06, 'algorithm OID');
  const algOid = oidString(der.subarray(alg.start, alg.end));
  if (algOid !== OID_EC_PUBLIC_KEY)
    throw new NodeKeyError(
      `node key is ${nameOid(algOid)}, expected a secp256k1 EC key`,
      NodeKeyErrorCode.WrongAlgorithm,
    );
  if (alg.end >= algId.end) throw new NodeKeyError('malformed PKCS#8: EC key without a curve');
  const curve = readTlv(der, alg.end, 0x06, 'curve OID');
  checkCurve(oidString(der.subarray(curve.start, curve.end)));
  const inner = readTlv(der, algId.end, 0x04, 'privateKey OCTET STRING');
  return parseEcPrivateKey(der.subarray(inner.start, inner.end), false);
}

/** RFC 5915 ECPrivateKey { version 1, privateKey OCTET STRING, [0] curve OID?, [1] publicKey? }. */
function parseEcPrivateKey(der: Uint8Array, curveRequired: boolean): Uint8Array {
  const seq = readTlv(der, 0, 0x30, 'ECPrivateKey');
  if (seq.end !== der.length) throw new NodeKeyError('malformed EC private key: trailing bytes');
  const version = readTlv(der, seq.start, 0x02, 'ECPrivateKey version');
  if (version.end - version.start !== 1 || der[version.start] !== 1)
    throw new NodeKeyError('malformed EC private key: version must be 1');
  const octets = readTlv(der, version.end, 0x04, 'EC private key OCTET STRING');
  const raw = der.subarray(octets.start, octets.end);
  if (raw.length === 0 || raw.length > 32)
    throw new NodeKeyError(`EC private key is ${raw.length} bytes, expected 32 (secp256k1)`);
  // Some encoders drop leading zero bytes; the scalar is the same.
  const secret = new Uint8Array(32);
  secret.set(raw, 32 - raw.length);
  let pos = octets.end;
  let sawCurve = false;
  let declaredPub: Uint8Array | null = null;
  while (pos < seq.end) {
    const field = readTlv(der, pos, -1, 'ECPrivateKey field');
    if (der[pos] === 0xa0) {
      const oid = readTlv(der, field.start, 0x06, 'curve OID');
      checkCurve(oidString(der.subarray(oid.start, oid.end)));
      sawCurve = true;
    } else if (der[pos] === 0xa1) {
      const bits = readTlv(der, field.start, 0x03, 'public key BIT STRING');
      if (bits.end - bits.start < 2 || der[bits.start] !== 0)
        throw new NodeKeyError('malformed EC public key BIT STRING');
      declaredPub = der.subarray(bits.start + 1, bits.end);
    } else {
      throw new NodeKeyError(`malformed EC private key: unexpected field tag 0x${der[pos].toString(16)}`);
    }
    pos = field.end;
  }
  if (curveRequired && !sawCurve) throw new NodeKeyError('EC private key does not name its curve; expected secp256k1');
  const d = BigInt('0x' + Buffer.from(secret).toString('hex'));
  if (d === 0n || d >= SECP256K1_N) throw new NodeKeyError('EC private key is out of range for secp256k1');
  if (declaredPub) {
    // A key whose embedded public half disagrees is corrupt (or was edited): refuse it
    // rather than run under a node id nobody admitted.
    let ok = false;
    try {
      ok = secp256k1.Point.fromBytes(declaredPub).equals(
        secp256k1.Point.fromBytes(secp256k1.getPublicKey(secret, true)),
      );
    } catch {
      ok = false;
    }
    if (!ok) throw new NodeKeyError('EC private key does not match its embedded public key (corrupted file?)');
  }
  return secret;
}

function checkCurve(oid: string): void {
  if (oid !== OID_SECP256K1)
    throw new NodeKeyError(`node key uses curve ${nameOid(oid)}, expected secp256k1`, NodeKeyErrorCode.WrongAlgorithm);
}

function nameOid(oid: string): string {
  return KNOWN_OIDS[oid] ? `${KNOWN_OIDS[oid]} (OID ${oid})` : `OID ${oid}`;
}

interface Tlv {
  /** Offset of the content. */
  readonly start: number;
  /** Offset just past the content. */
  readonly end: number;
}

/** Reads one DER TLV at `pos`; `tag` -1 accepts any tag. Definite lengths up to 4 bytes. */
function readTlv(der: Uint8Array, pos: number, tag: number, what: string): Tlv {
  if (pos + 2 > der.length) throw new NodeKeyError(`malformed DER: ${what} is truncated`);
  if (tag !== -1 && der[pos] !== tag)
    throw new NodeKeyError(
      `malformed DER: expected ${what} (tag 0x${tag.toString(16)}), found tag 0x${der[pos].toString(16)}`,
    );
  let len = der[pos + 1];
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > der.length) throw new NodeKeyError(`malformed DER: bad length for ${what}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new NodeKeyError(`malformed DER: ${what} is truncated`);
  return { start, end };
}

function oidString(b: Uint8Array): string {
  if (b.length === 0) return '(empty)';
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

function base64Body(body: string): Uint8Array {
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new NodeKeyError('PEM body is not valid base64');
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

function hexBytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

/**
 * Whether `id` is a node id the network can admit: 64 bytes that are an uncompressed
 * secp256k1 point without its 04 prefix. (The p2p layer derives a PeerId from it, which
 * fails for anything else; a node list holding such an id could not be applied.)
 */
export function isNodeIdPoint(id: Uint8Array): boolean {
  if (id.length !== 64) return false;
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(id, 1);
  try {
    secp256k1.Point.fromBytes(point);
    return true;
  } catch {
    return false;
  }
}
