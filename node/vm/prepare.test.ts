import { keccak_256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wat } from '../../test/helpers/vm/wat.js';
import { ContractRejectedError, DEFAULT_VM_LIMITS, prepareContract, type RejectCode } from './index.js';
import { engine } from './wasm/engine.js';

/** A minimal valid contract around `body` (module-level fields). */
const contract = (fields: string, callBody = '') => `(module
  ${fields}
  (memory (export "memory") 1)
  (func (export "call") ${callBody}))`;

function rejection(bytes: Uint8Array): ContractRejectedError {
  try {
    prepareContract(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ContractRejectedError);
    return e as ContractRejectedError;
  }
  throw new Error('module was accepted');
}

function expectRejected(bytes: Uint8Array, code: RejectCode, message: RegExp): void {
  const e = rejection(bytes);
  expect(e.code).toBe(code);
  expect(e.message).toMatch(message);
}

describe('prepareContract rejects', () => {
  it.each([
    [
      'an extended-const data offset',
      '(data (i32.add (i32.const 1) (i32.const 2)) "ab")',
      /data segment 0 offset has more than one instruction/,
    ],
    [
      'an extended-const element offset',
      '(table 2 funcref) (elem (i32.sub (i32.const 1) (i32.const 1)) func 0)',
      /element segment 0 offset/,
    ],
    [
      'global.get of a defined global in an initialiser',
      '(global $a i32 (i32.const 1)) (global i32 (global.get $a))',
      /global 1 initialiser uses instruction 0x23/,
    ],
    [
      'global.get as a data offset',
      '(global $a i32 (i32.const 1)) (data (global.get $a) "ab")',
      /data segment 0 offset uses instruction 0x23/,
    ],
    ['a passive element segment', '(table 2 funcref) (elem func 0)', /element segment 0 has form 1/],
  ])('%s, whatever the engine would say (the VM decides these sections)', (_what, fields, message) => {
    expectRejected(wat(contract(fields), { validate: false }), 'UNSUPPORTED', message);
  });

  it('accepts the plain forms: active data and element segments with i32.const offsets, passive data', () => {
    const bytes = wat(contract('(table 2 funcref) (elem (i32.const 0) func 0) (data (i32.const 8) "ab") (data "cd")'));
    expect(() => prepareContract(bytes)).not.toThrow();
  });

  it('a module asking for 4 GiB of memory', () => {
    expectRejected(
      wat(`(module (memory (export "memory") 65536) (func (export "call")))`),
      'MEMORY_LIMIT',
      /65536 initial pages \(4096 MiB\).*cap is 256 pages \(16 MiB\)/,
    );
  });

  it('a declared maximum above the cap', () => {
    expectRejected(
      wat(`(module (memory (export "memory") 1 65536) (func (export "call")))`),
      'MEMORY_LIMIT',
      /maximum of 65536 pages/,
    );
  });

  it('shared memory and atomics (threads)', () => {
    // wabt's validator does not know shared memories; V8 does (and accepts them).
    expectRejected(
      wat(`(module (memory (export "memory") 1 1 shared) (func (export "call")))`, { validate: false }),
      'THREADS',
      /shared memory/,
    );
    expectRejected(
      wat(contract('', '(drop (i32.atomic.load (i32.const 0)))')),
      'THREADS',
      /atomic \(threads\) instructions are not allowed/,
    );
  });

  it('SIMD instructions and v128 types', () => {
    expectRejected(wat(contract('', '(drop (v128.const i64x2 0 0))')), 'SIMD', /SIMD/);
    expectRejected(wat(contract('(func (param v128))')), 'SIMD', /v128/);
  });

  it('floating point in instructions, signatures, locals and globals', () => {
    expectRejected(
      wat(contract('', '(drop (i32.const 1)) (drop (f32.const 1.5))')),
      'FLOAT',
      /floating-point instructions/,
    );
    expectRejected(wat(contract('(func (param f64))')), 'FLOAT', /parameter uses a floating-point type \(f64\)/);
    expectRejected(wat(contract('', '(local f32)')), 'FLOAT', /local uses a floating-point type \(f32\)/);
    expectRejected(wat(contract('(global f64 (f64.const 0))')), 'FLOAT', /global 0 uses a floating-point type/);
    expectRejected(wat(contract('', '(drop (i32.trunc_sat_f32_s (f32.const 0)))')), 'FLOAT', /floating-point/);
  });

  it('imports outside lingding v1', () => {
    expectRejected(
      wat(contract('(import "env" "abort" (func))')),
      'FORBIDDEN_IMPORT',
      /import "env"."abort": only the "lingding" host module/,
    );
    expectRejected(
      wat(contract('(import "lingding" "exec_shell" (func))')),
      'FORBIDDEN_IMPORT',
      /"exec_shell" is not a lingding v1 host function/,
    );
    expectRejected(
      wat(contract('(import "lingding" "storage_get" (func (param i32 i32) (result i32)))')),
      'FORBIDDEN_IMPORT',
      /storage_get" has type \(i32, i32\) -> \(i32\); lingding v1 defines \(i32, i32, i32, i32\) -> \(i32\)/,
    );
    expectRejected(
      wat(`(module (import "lingding" "mem" (memory 1)) (func (export "call")))`),
      'FORBIDDEN_IMPORT',
      /is a memory/,
    );
    expectRejected(wat(contract('(import "lingding" "g" (global i32))')), 'FORBIDDEN_IMPORT', /is a global/);
  });

  it('a start function', () => {
    expectRejected(
      wat(contract('(func $init) (start $init)')),
      'START_FUNCTION',
      /start function is not allowed; export it as `_initialize`/,
    );
  });

  it('garbage, truncated and oversized bytes', () => {
    expectRejected(new TextEncoder().encode('#!/bin/sh\nrm -rf /\n'), 'MALFORMED', /bad magic/);
    expectRejected(new Uint8Array(), 'MALFORMED', /bad magic/);
    const good = wat(contract(''));
    expectRejected(good.subarray(0, good.length - 3), 'MALFORMED', /runs past the end|unexpected end/);
    expectRejected(new Uint8Array(DEFAULT_VM_LIMITS.maxCodeBytes + 1), 'TOO_LARGE', /limit is 1048576/);
  });

  it('modules that V8 itself finds invalid', () => {
    expectRejected(wat(contract('', 'drop'), { validate: false }), 'INVALID', /fails WebAssembly validation/);
    // An out-of-range global index must be caught on the original, before the injected globals exist.
    expectRejected(
      wat(contract('', '(drop (global.get 0))'), { validate: false }),
      'INVALID',
      /fails WebAssembly validation/,
    );
  });

  it('missing or malformed entry points and reserved export names', () => {
    expectRejected(
      wat(`(module (memory (export "memory") 1) (func (export "main")))`),
      'BAD_EXPORT',
      /missing export "call"/,
    );
    expectRejected(wat(`(module (memory 1) (func (export "call")))`), 'BAD_EXPORT', /missing export "memory"/);
    expectRejected(wat(`(module (func (export "call")))`), 'MEMORY_LIMIT', /defines no memory/);
    expectRejected(
      wat(`(module (memory (export "memory") 1) (func (export "call") (param i32)))`),
      'BAD_EXPORT',
      /"call" has type \(i32\) -> \(\); entry points take and return nothing/,
    );
    expectRejected(
      wat(contract('(global (export "__lingding_gas") i32 (i32.const 0))')),
      'BAD_EXPORT',
      /reserved prefix/,
    );
    expectRejected(
      wat(contract('(func (export "_initialize") (param i32))')),
      'BAD_EXPORT',
      /"_initialize" has type \(i32\) -> \(\)/,
    );
  });

  it('tables above the cap and other unsupported proposals', () => {
    expectRejected(wat(contract('(table 100000 funcref)')), 'TABLE_LIMIT', /100000 initial elements; the cap is 4096/);
    expectRejected(wat(contract('(func $f (return_call $f))')), 'UNSUPPORTED', /tail calls/);
    expectRejected(wat(contract('(tag $e)')), 'UNSUPPORTED', /exception/);
    expectRejected(wat(contract('(func (param externref))')), 'UNSUPPORTED', /reference type/);
  });

  it('functions whose frame would be too large', () => {
    const locals = Array.from({ length: 5000 }, () => 'i64').join(' ');
    expectRejected(wat(contract('', `(local ${locals})`)), 'LIMIT', /more than \d+ locals/);
  });
});

describe('prepareContract accepts', () => {
  it('a contract with host imports, a constructor, a table and multi-value helpers', () => {
    const p = prepareContract(
      wat(`(module
        (import "lingding" "finish" (func $finish (param i32 i32)))
        (memory (export "memory") 1)
        (table 2 funcref)
        (elem (i32.const 0) $pair $pair)
        (func $pair (result i32 i64) (i32.const 1) (i64.const 2))
        (func (export "deploy"))
        (func (export "call") (call $finish (i32.const 0) (i32.const 0))))`),
    );
    expect(p.hasDeploy).toBe(true);
    expect(p.codeHash).toHaveLength(32);
    expect(p.memoryPages).toBe(1);
    expect(engine.validate(p.code)).toBe(true);
  });

  it('hashes the original code and instruments deterministically', () => {
    const bytes = wat(contract(''));
    const a = prepareContract(bytes);
    const b = prepareContract(bytes);
    expect(a.codeHash).toEqual(keccak_256(bytes));
    expect(a.code).toEqual(b.code);
  });
});

describe('prepareContract on hostile bytes', () => {
  const seed = wat(`(module
    (import "lingding" "finish" (func $finish (param i32 i32)))
    (memory (export "memory") 1 4)
    (global $g (mut i64) (i64.const 7))
    (data (i32.const 8) "hello")
    (func $f (param i32) (result i32)
      (if (result i32) (local.get 0) (then (i32.const 1)) (else (call $f (i32.sub (local.get 0) (i32.const 1))))))
    (func (export "call") (local i32)
      (loop $l (br_if $l (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 9))))
      (call $finish (i32.const 8) (call $f (i32.const 3)))))`);

  it('either accepts or throws ContractRejectedError for any mutation of a valid module', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const bytes = Uint8Array.from(seed);
          for (const [at, value] of edits) bytes[at] = value;
          try {
            const p = prepareContract(bytes);
            expect(engine.validate(p.code)).toBe(true);
          } catch (e) {
            if (!(e instanceof ContractRejectedError)) throw e;
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('throws ContractRejectedError for random bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...tail]);
        try {
          prepareContract(bytes);
        } catch (e) {
          if (!(e instanceof ContractRejectedError)) throw e;
        }
      }),
      { numRuns: 1500 },
    );
  });
});
