/**
 * Hand-written programs for the differential test: the control-flow shapes the
 * instrumenter has to get right (early returns from nested blocks, multi-value blocks
 * with parameters, br_table, indirect calls, recursion, bulk memory, memory.grow).
 * Each exports `call` and `memory` and leaves its results in memory.
 */
export const CORPUS: Record<string, string> = {
  factorialRecursive: `(module (memory (export "memory") 1)
    (func $fact (param i64) (result i64)
      (if (result i64) (i64.le_u (local.get 0) (i64.const 1)) (then (i64.const 1))
        (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
    (func (export "call") (i64.store (i32.const 0) (call $fact (i64.const 20)))))`,

  earlyReturns: `(module (memory (export "memory") 1)
    (func $find (param $needle i32) (result i32) (local $i i32)
      (loop $l
        (block $skip
          (br_if $skip (i32.ne (i32.load8_u (local.get $i)) (local.get $needle)))
          (return (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 64))))
      (i32.const -1))
    (func (export "call")
      (i32.store8 (i32.const 37) (i32.const 9))
      (i32.store (i32.const 100) (call $find (i32.const 9)))
      (i32.store (i32.const 104) (call $find (i32.const 200)))))`,

  brToFunctionLabel: `(module (memory (export "memory") 1)
    (func $f (param i32) (result i32)
      (block (drop (br_if 1 (i32.const 11) (i32.eqz (local.get 0)))))
      (block (block (br_table 0 1 (local.get 0))) (return (i32.const 22)))
      (br 0 (i32.const 33)))
    (func (export "call")
      (i32.store (i32.const 0) (call $f (i32.const 0)))
      (i32.store (i32.const 4) (call $f (i32.const 1)))
      (i32.store (i32.const 8) (call $f (i32.const 2)))
      (i32.store (i32.const 12) (call $f (i32.const 3)))))`,

  multiValue: `(module (memory (export "memory") 1)
    (type $pair (func (param i32 i32) (result i32 i32)))
    (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
    (func $divmod (param i64 i64) (result i64 i64)
      (i64.div_u (local.get 0) (local.get 1)) (i64.rem_u (local.get 0) (local.get 1)))
    (func (export "call") (local $a i32) (local $b i32) (local $q i64) (local $r i64)
      (i32.const 1) (i32.const 2)
      (block (type $pair) (call $swap))
      (local.set $b) (local.set $a)
      (i32.store (i32.const 0) (local.get $a))
      (i32.store (i32.const 4) (local.get $b))
      (i32.const 5) (i32.const 6)
      (loop (type $pair) (call $swap))
      (i32.add) (local.set $a)
      (i32.store (i32.const 8) (local.get $a))
      (call $divmod (i64.const 1000003) (i64.const 97))
      (local.set $r) (local.set $q)
      (i64.store (i32.const 16) (local.get $q))
      (i64.store (i32.const 24) (local.get $r))
      (i32.const 3)
      (if (param i32) (result i32) (i32.const 1) (then (i32.add (i32.const 10))) (else (i32.add (i32.const 20))))
      (local.set $a)
      (i32.store (i32.const 32) (local.get $a))))`,

  indirectCalls: `(module (memory (export "memory") 1)
    (type $op (func (param i32 i32) (result i32)))
    (table 4 funcref)
    (elem (i32.const 0) $add $mul $sub)
    (func $add (type $op) (i32.add (local.get 0) (local.get 1)))
    (func $mul (type $op) (i32.mul (local.get 0) (local.get 1)))
    (func $sub (type $op) (i32.sub (local.get 0) (local.get 1)))
    (func (export "call") (local $i i32)
      (loop $l
        (i32.store (i32.shl (local.get $i) (i32.const 2))
          (call_indirect (type $op) (i32.const 7) (local.get $i) (i32.rem_u (local.get $i) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 30))))
      ;; slot 3 is empty: this traps, identically in both
      (drop (call_indirect (type $op) (i32.const 1) (i32.const 1) (i32.const 3)))))`,

  bubbleSort: `(module (memory (export "memory") 1)
    (func (export "call") (local $i i32) (local $j i32) (local $t i32) (local $seed i32)
      (local.set $seed (i32.const 12345))
      (loop $fill
        (local.set $seed (i32.add (i32.mul (local.get $seed) (i32.const 1103515245)) (i32.const 12345)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.shr_u (local.get $seed) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $fill (i32.lt_u (local.get $i) (i32.const 64))))
      (local.set $i (i32.const 0))
      (loop $outer
        (local.set $j (i32.const 0))
        (loop $inner
          (if (i32.gt_u (i32.load (i32.shl (local.get $j) (i32.const 2))) (i32.load (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2))))
            (then
              (local.set $t (i32.load (i32.shl (local.get $j) (i32.const 2))))
              (i32.store (i32.shl (local.get $j) (i32.const 2)) (i32.load (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2))))
              (i32.store (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)) (local.get $t))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (i32.sub (i32.const 63) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (i32.const 63))))))`,

  bulkAndGrow: `(module (memory (export "memory") 1 4)
    (data $d "passive segment")
    (func (export "call")
      (memory.fill (i32.const 0) (i32.const 0xab) (i32.const 300))
      (memory.copy (i32.const 100) (i32.const 0) (i32.const 50))
      (memory.init $d (i32.const 400) (i32.const 0) (i32.const 15))
      (data.drop $d)
      (i32.store (i32.const 500) (memory.grow (i32.const 2)))
      (i32.store (i32.const 504) (memory.grow (i32.const 2)))
      (i32.store (i32.const 508) (memory.size))))`,

  signExtensionAndWrap: `(module (memory (export "memory") 1)
    (func (export "call")
      (i64.store (i32.const 0) (i64.extend8_s (i64.const 0x80)))
      (i64.store (i32.const 8) (i64.extend32_s (i64.const 0x80000000)))
      (i32.store (i32.const 16) (i32.extend16_s (i32.const 0x8000)))
      (i32.store (i32.const 20) (i32.wrap_i64 (i64.const 0x1234567890)))
      (i32.store (i32.const 24) (i32.div_s (i32.const -2147483648) (i32.const -1)))))`,
};
