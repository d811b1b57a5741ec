/**
 * AssemblyScript parameter and return types that cross the ABI, and their Solidity names.
 * The SDK's `AbiDecoder.read<T>`/`AbiEncoder.write<T>` implement the same table.
 */
const ABI_TYPES: Readonly<Record<string, string>> = {
  bool: 'bool',
  u8: 'uint8',
  u16: 'uint16',
  u32: 'uint32',
  u64: 'uint64',
  i8: 'int8',
  i16: 'int16',
  i32: 'int32',
  i64: 'int64',
  u256: 'uint256',
  Address: 'address',
  Bytes32: 'bytes32',
  Uint8Array: 'bytes',
  string: 'string',
};

/** ABI types that are encoded out of line (offset in the head, data in the tail). */
const DYNAMIC = new Set(['bytes', 'string']);

export type TypeResult =
  | { readonly ok: true; readonly abiType: string }
  | { readonly ok: false; readonly reason: string };

export function abiTypeOf(asType: string): TypeResult {
  const t = asType.replace(/\s+/g, '');
  const abiType = ABI_TYPES[t];
  if (abiType) return { ok: true, abiType };
  if (t === 'f32' || t === 'f64' || t === 'number') {
    return {
      ok: false,
      reason: `floating-point type '${t}' is not allowed in contracts; use integers (u64, u256 fixed-point amounts)`,
    };
  }
  return { ok: false, reason: `type '${t}' has no ABI encoding; supported: ${Object.keys(ABI_TYPES).join(', ')}` };
}

export function isDynamic(abiType: string): boolean {
  return DYNAMIC.has(abiType);
}
