/** Hex helpers for the RPC and CLI boundary. Inside the node everything is bytes. */
export class HexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HexError';
  }
}

export function toHex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses 0x-prefixed (or bare) hex; throws a HexError naming the field on bad input. */
export function fromHex(hex: unknown, field = 'value', expectedLength?: number): Uint8Array {
  if (typeof hex !== 'string') throw new HexError(`${field} must be a hex string`);
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0) throw new HexError(`${field} has an odd number of hex digits`);
  if (!/^[0-9a-fA-F]*$/.test(body)) throw new HexError(`${field} is not valid hex`);
  const out = new Uint8Array(Buffer.from(body, 'hex'));
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new HexError(`${field} must be ${expectedLength} bytes, got ${out.length}`);
  }
  return out;
}

export function hexKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
