/** Hex helpers for the RPC and CLI boundary. Inside the node everything is bytes. */
import { allocBytes } from '../bytes/slab.js';
import { type CodeOf, LingdingError } from '../errors/index.js';

export const HexErrorCode = {
  NotString: 'NOT_STRING',
  OddLength: 'ODD_LENGTH',
  NotHex: 'NOT_HEX',
  WrongLength: 'WRONG_LENGTH',
} as const;
export type HexErrorCodeValue = CodeOf<typeof HexErrorCode>;

/** Bad hex from outside (an RPC parameter, a CLI argument); `details.field` names the input. */
export class HexError extends LingdingError<HexErrorCodeValue, { field: string; expectedLength?: number }> {
  constructor(code: HexErrorCodeValue, message: string, details: { field: string; expectedLength?: number }) {
    super(code, message, details);
    this.name = 'HexError';
  }
}

export function toHex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses 0x-prefixed (or bare) hex; throws a HexError naming the field on bad input. */
export function fromHex(hex: unknown, field = 'value', expectedLength?: number): Uint8Array {
  if (typeof hex !== 'string') throw new HexError(HexErrorCode.NotString, `${field} must be a hex string`, { field });
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0)
    throw new HexError(HexErrorCode.OddLength, `${field} has an odd number of hex digits`, { field });
  if (!/^[0-9a-fA-F]*$/.test(body)) throw new HexError(HexErrorCode.NotHex, `${field} is not valid hex`, { field });
  // A copy (the decoded Buffer is a view of Node's shared pool), carved from a slab: a raw
  // transaction per sendTransaction would otherwise get a backing store of its own.
  const decoded = Buffer.from(body, 'hex');
  const out = allocBytes(decoded.length);
  out.set(decoded);
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new HexError(HexErrorCode.WrongLength, `${field} must be ${expectedLength} bytes, got ${out.length}`, {
      field,
      expectedLength,
    });
  }
  return out;
}

export function hexKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** concatBytes over an array: no spread, so any number of parts (a block's receipts). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
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

const encoder = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
