import { ethers } from 'ethers';
import { z } from 'zod';
import { fromHex, HexError } from '../codec/hex.js';

/**
 * The hex parameters every RPC family shares (Lingding's and the eth_* methods): bytes and
 * addresses as 0x-hex, parsed into bytes, each failure message naming the parameter.
 */

/** 0x-hex bytes, of exactly `length` bytes when given. */
export function hexBytes(name: string, length?: number) {
  return z.string({ error: `${name} must be a hex string` }).transform((v, ctx) => {
    try {
      return fromHex(v, name, length);
    } catch (e) {
      if (!(e instanceof HexError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
      return z.NEVER;
    }
  });
}

/** A 20-byte address; a 42-character one in mixed case must carry a valid EIP-55 checksum. */
export function hexAddress(name: string) {
  return z
    .string({ error: `${name} must be a hex string` })
    .refine((v) => v.length !== 42 || ethers.isAddress(v), { error: `${name} is not a valid address`, abort: true })
    .pipe(hexBytes(name, 20))
    .describe(name);
}
