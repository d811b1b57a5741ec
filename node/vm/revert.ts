/**
 * Human-readable revert reasons. Contracts follow the Solidity ABI, so revert data is
 * normally `Error(string)`: selector 0x08c379a0, then the ABI-encoded string. Plain UTF-8
 * text is accepted too, for contracts that pass a message straight to `revert`.
 */
const ERROR_SELECTOR = [0x08, 0xc3, 0x79, 0xa0];
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A 32-byte big-endian word as a number, or undefined if it does not fit in 32 bits. */
function word(data: Uint8Array, at: number): number | undefined {
  if (at + 32 > data.length) return undefined;
  for (let i = at; i < at + 28; i++) if (data[i] !== 0) return undefined;
  return ((data[at + 28] << 24) | (data[at + 29] << 16) | (data[at + 30] << 8) | data[at + 31]) >>> 0;
}

function text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function decodeRevertReason(data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  if (data.length >= 4 && ERROR_SELECTOR.every((b, i) => data[i] === b)) {
    const body = data.subarray(4);
    const offset = word(body, 0);
    const length = offset === undefined ? undefined : word(body, offset);
    if (offset !== undefined && length !== undefined && offset + 32 + length <= body.length) {
      return text(body.subarray(offset + 32, offset + 32 + length));
    }
    return undefined;
  }
  return text(data);
}
