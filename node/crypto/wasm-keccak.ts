/**
 * Keccak-256 (the original padding Ethereum uses, not SHA-3's) on a small WebAssembly
 * module this file assembles itself: keccak-f[1600] over 64-bit lanes held in WebAssembly
 * i64 locals. A node hashes about eight times per transaction (its hash, its signing hash,
 * the sender's address, Merkle leaves and nodes); through the `keccak` addon each hash
 * paid four N-API calls and a fresh off-heap Buffer for the digest, more than the
 * permutation itself, and @noble/hashes works in 32-bit halves. Here a hash is one call,
 * and the digest is a 32-byte array on V8's heap.
 *
 * The bytes are built from the algorithm's tables below rather than shipped as a binary:
 * nothing to regenerate, and the tests check the output against @noble/hashes.
 */

export type HashFn = (data: Uint8Array) => Uint8Array;

/**
 * The part of V8's WebAssembly API used here: the project compiles without the DOM library,
 * where TypeScript declares it (node/vm/wasm/engine.ts does the same for the VM, a layer up).
 */
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: { a: (blocks: number) => void; m: { buffer: ArrayBuffer } } };
    };
  }
).WebAssembly;

/** Memory layout (one 64 KiB page): the state, the round constants, then the input. */
const STATE = 0;
const ROUND_CONSTANTS = 200;
const INPUT = 512;
const PAGE = 65536;
/** keccak-256's rate: 1088 bits. */
const RATE = 136;
/** Whole blocks that fit the input area; longer inputs are absorbed a chunk at a time. */
const CHUNK = Math.floor((PAGE - INPUT) / RATE) * RATE;

const RC = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];
/** Rotation of lane x + 5y in the rho step. */
const RHO = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

// WebAssembly opcodes used.
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  br_if: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i64Load: 0x29,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i64And: 0x83,
  i64Xor: 0x85,
  i64Rotl: 0x89,
  empty: 0x40,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/**
 * `absorb(blocks: i32)`: XORs `blocks` 136-byte blocks from INPUT into the state, running
 * the permutation after each. Locals: 0 = blocks (then the block pointer's end), 1 = the
 * block pointer, 2 = the round constant pointer; i64 lanes a0..a24 = 3..27, c0..c4 =
 * 28..32, d = 33, b0..b24 = 34..58.
 */
function absorbBody(): number[] {
  const a = (i: number) => 3 + i;
  const c = (i: number) => 28 + i;
  const D = 33;
  const b = (i: number) => 34 + i;
  const code: number[] = [];
  const get = (l: number) => code.push(OP.localGet, ...uleb(l));
  const set = (l: number) => code.push(OP.localSet, ...uleb(l));
  const memarg = (offset: number) => [3, ...uleb(offset)];

  // Lanes into locals.
  for (let i = 0; i < 25; i++) {
    code.push(OP.i32Const, ...sleb(0n), OP.i64Load, ...memarg(STATE + 8 * i));
    set(a(i));
  }
  // end = INPUT + blocks * 136 (0x6c: i32.mul)
  get(0);
  code.push(OP.i32Const, ...sleb(BigInt(RATE)), 0x6c /* i32.mul */, OP.i32Const, ...sleb(BigInt(INPUT)), OP.i32Add);
  set(0);
  code.push(OP.i32Const, ...sleb(BigInt(INPUT)));
  set(1);
  code.push(OP.block, OP.empty, OP.loop, OP.empty);
  // while (ptr < end)
  get(1);
  get(0);
  code.push(OP.i32LtU, OP.i32Eqz, OP.br_if, 1);
  // XOR the block's 17 lanes.
  for (let i = 0; i < RATE / 8; i++) {
    get(a(i));
    get(1);
    code.push(OP.i64Load, ...memarg(8 * i), OP.i64Xor);
    set(a(i));
  }
  // 24 rounds, the round constant read from memory.
  code.push(OP.i32Const, ...sleb(BigInt(ROUND_CONSTANTS)));
  set(2);
  code.push(OP.loop, OP.empty);
  // theta
  for (let x = 0; x < 5; x++) {
    get(a(x));
    for (let y = 1; y < 5; y++) {
      get(a(x + 5 * y));
      code.push(OP.i64Xor);
    }
    set(c(x));
  }
  for (let x = 0; x < 5; x++) {
    get(c((x + 4) % 5));
    get(c((x + 1) % 5));
    code.push(OP.i64Const, ...sleb(1n), OP.i64Rotl, OP.i64Xor);
    set(D);
    for (let y = 0; y < 5; y++) {
      get(a(x + 5 * y));
      get(D);
      code.push(OP.i64Xor);
      set(a(x + 5 * y));
    }
  }
  // rho and pi: B[y, 2x + 3y] = rotl(A[x, y], r[x, y])
  for (let x = 0; x < 5; x++)
    for (let y = 0; y < 5; y++) {
      const to = y + 5 * ((2 * x + 3 * y) % 5);
      get(a(x + 5 * y));
      if (RHO[x + 5 * y] !== 0) code.push(OP.i64Const, ...sleb(BigInt(RHO[x + 5 * y])), OP.i64Rotl);
      set(b(to));
    }
  // chi: A[x, y] = B[x, y] ^ (~B[x+1, y] & B[x+2, y])
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      get(b(x + 5 * y));
      get(b(((x + 1) % 5) + 5 * y));
      code.push(OP.i64Const, ...sleb(-1n), OP.i64Xor);
      get(b(((x + 2) % 5) + 5 * y));
      code.push(OP.i64And, OP.i64Xor);
      set(a(x + 5 * y));
    }
  // iota
  get(a(0));
  get(2);
  code.push(OP.i64Load, ...memarg(0), OP.i64Xor);
  set(a(0));
  // next round constant; loop while rc < ROUND_CONSTANTS + 192
  get(2);
  code.push(OP.i32Const, ...sleb(8n), OP.i32Add, OP.localTee, ...uleb(2));
  code.push(OP.i32Const, ...sleb(BigInt(ROUND_CONSTANTS + 8 * 24)), OP.i32LtU, OP.br_if, 0, OP.end);
  // next block
  get(1);
  code.push(OP.i32Const, ...sleb(BigInt(RATE)), OP.i32Add);
  set(1);
  code.push(OP.br, 0, OP.end, OP.end);
  // Locals back to the state.
  for (let i = 0; i < 25; i++) {
    code.push(OP.i32Const, ...sleb(0n));
    get(a(i));
    code.push(OP.i64Store, ...memarg(STATE + 8 * i));
  }
  code.push(OP.end);
  // Declarations: 2 more i32 locals (block pointer, round-constant pointer), 56 i64.
  const locals = vec([
    [...uleb(2), 0x7f],
    [...uleb(56), 0x7e],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function roundConstantBytes(): number[] {
  const out: number[] = [];
  for (const rc of RC) for (let i = 0n; i < 8n; i++) out.push(Number((rc >> (8n * i)) & 0xffn));
  return out;
}

/** The module's bytes: one memory page exported as `m`, one function `absorb(i32)`. */
export function keccakModuleBytes(): Uint8Array {
  const type = section(1, vec([[0x60, ...vec([[0x7f]]), ...vec([])]]));
  const func = section(3, vec([uleb(0)]));
  const memory = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = section(
    7,
    vec([
      [1, 0x6d, 0x02, 0x00], // "m": memory 0
      [1, 0x61, 0x00, 0x00], // "a": function 0
    ]),
  );
  const codeSec = section(10, vec([absorbBody()]));
  const rcBytes = roundConstantBytes();
  const data = section(
    11,
    vec([[0x00, OP.i32Const, ...sleb(BigInt(ROUND_CONSTANTS)), OP.end, ...vec(rcBytes.map((x) => [x]))]]),
  );
  // "\0asm", then the format version, 1 (little-endian u32).
  const header = [0x00, 0x61, 0x73, 0x6d, ...[1, 0, 0, 0]];
  return Uint8Array.from([...header, ...type, ...func, ...memory, ...exports, ...codeSec, ...data]);
}

/**
 * Keccak-256 on its own instance of the module. A hash runs to completion synchronously,
 * so one instance serves a thread; `keccak256` below is that instance for this thread.
 */
export function createWasmKeccak256(): HashFn {
  const { exports } = new wasm.Instance(new wasm.Module(keccakModuleBytes()));
  const absorb = exports.a;
  const mem = new Uint8Array(exports.m.buffer);
  return (data: Uint8Array): Uint8Array => {
    mem.fill(0, STATE, STATE + 200);
    let at = 0;
    // Whole chunks while a chunk or more remains: what is left then, padded, fits the input area.
    while (data.length - at >= CHUNK) {
      mem.set(data.subarray(at, at + CHUNK), INPUT);
      absorb(CHUNK / RATE);
      at += CHUNK;
    }
    const rest = data.length - at;
    const padded = (Math.floor(rest / RATE) + 1) * RATE;
    mem.set(at === 0 ? data : data.subarray(at), INPUT);
    mem.fill(0, INPUT + rest, INPUT + padded);
    mem[INPUT + rest] ^= 0x01; // Keccak's padding: 0x01 … 0x80 (SHA-3 uses 0x06)
    mem[INPUT + padded - 1] ^= 0x80;
    absorb(padded / RATE);
    return mem.slice(STATE, STATE + 32);
  };
}

/** This thread's keccak-256 (each worker thread that loads this file gets its own instance). */
export const keccak256: HashFn = createWasmKeccak256();
