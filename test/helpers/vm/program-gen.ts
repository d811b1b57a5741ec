/**
 * Random integer WebAssembly programs for the differential test (plain vs instrumented).
 * A program is built from a seed, so a failing case is reproduced from its seed alone.
 * Every loop is bounded by a counter local that nothing else writes, and recursion by a
 * depth argument, so every program terminates; traps (division by zero, out-of-bounds
 * memory, unreachable) are generated on purpose, rarely.
 */

type T = 'i32' | 'i64';

class Rng {
  constructor(private s: number) {}
  next(): number {
    // mulberry32
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<X>(xs: readonly X[]): X {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface Helper {
  readonly name: string;
  readonly params: T[];
  readonly result: T;
}

const BINARY = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const TRAPPING = ['div_s', 'div_u', 'rem_s', 'rem_u'];
const COMPARE = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];

class Builder {
  private loopDepth = 0;
  private labels = 0;

  constructor(
    private readonly r: Rng,
    /** Locals (and params) available by type. */
    private readonly locals: Record<T, string[]>,
    private readonly helpers: readonly Helper[],
    /** Loop counters available to this function, one per nesting level. */
    private readonly counters: readonly string[],
    /** A bare `return` fits (the function has no results). */
    private readonly canReturn: boolean,
  ) {}

  private constant(t: T): string {
    const r = this.r;
    const v = r.pick([0, 1, -1, 7, 255, 0x7fffffff, -0x80000000, r.int(1 << 30) - (1 << 29)]);
    return t === 'i32'
      ? `(i32.const ${v})`
      : `(i64.const ${r.chance(0.3) ? '0x' + (r.int(1 << 30) * 4294967296 + r.int(1 << 30)).toString(16) : v})`;
  }

  /** An in-bounds address, except rarely. */
  private address(depth: number): string {
    if (this.r.chance(0.02)) return `(i32.const ${65536 - this.r.int(4)})`;
    return `(i32.and ${this.expr('i32', depth + 1)} (i32.const 0x7ff8))`;
  }

  expr(t: T, depth = 0): string {
    const r = this.r;
    if (depth > 4 || r.chance(0.25)) {
      if (r.chance(0.5)) return this.constant(t);
      return r.chance(0.85) ? `(local.get ${r.pick(this.locals[t])})` : `(global.get $g_${t})`;
    }
    switch (r.int(11)) {
      case 0:
      case 1:
      case 2: {
        const op = r.chance(0.01) ? r.pick(TRAPPING) : r.pick(BINARY);
        return `(${t}.${op} ${this.expr(t, depth + 1)} ${this.expr(t, depth + 1)})`;
      }
      case 3: {
        const u = r.pick<T>(['i32', 'i64']);
        const cmp = r.chance(0.2)
          ? `(${u}.eqz ${this.expr(u, depth + 1)})`
          : `(${u}.${r.pick(COMPARE)} ${this.expr(u, depth + 1)} ${this.expr(u, depth + 1)})`;
        return t === 'i32' ? cmp : `(i64.extend_i32_u ${cmp})`;
      }
      case 4: {
        if (t === 'i32')
          return r.pick([
            `(i32.wrap_i64 ${this.expr('i64', depth + 1)})`,
            `(i32.clz ${this.expr('i32', depth + 1)})`,
            `(i32.popcnt ${this.expr('i32', depth + 1)})`,
            `(i32.extend8_s ${this.expr('i32', depth + 1)})`,
          ]);
        return r.pick([
          `(i64.extend_i32_s ${this.expr('i32', depth + 1)})`,
          `(i64.ctz ${this.expr('i64', depth + 1)})`,
          `(i64.extend16_s ${this.expr('i64', depth + 1)})`,
        ]);
      }
      case 5: {
        const load =
          t === 'i32'
            ? r.pick(['i32.load', 'i32.load8_u', 'i32.load16_s'])
            : r.pick(['i64.load', 'i64.load32_u', 'i64.load8_s']);
        return `(${load} offset=${r.pick([0, 4, 8])} ${this.address(depth)})`;
      }
      case 6:
        return `(select ${this.expr(t, depth + 1)} ${this.expr(t, depth + 1)} ${this.expr('i32', depth + 1)})`;
      case 7:
        return `(if (result ${t}) ${this.expr('i32', depth + 1)} (then ${this.expr(t, depth + 1)}) (else ${this.expr(t, depth + 1)}))`;
      case 8: {
        const candidates = this.helpers.filter((h) => h.result === t);
        if (candidates.length === 0) return this.constant(t);
        const h = r.pick(candidates);
        return `(call ${h.name} ${h.params.map((p) => this.expr(p, depth + 1)).join(' ')})`;
      }
      case 9:
        // Early exit from a value block.
        return `(block (result ${t}) (drop (br_if 0 ${this.expr(t, depth + 1)} ${this.expr('i32', depth + 1)})) ${this.expr(t, depth + 1)})`;
      default:
        return t === 'i32'
          ? r.chance(0.5)
            ? '(memory.size)'
            : `(memory.grow (i32.const ${r.int(2)}))`
          : `(i64.extend_i32_u (memory.size))`;
    }
  }

  stmts(n: number, depth: number): string {
    return Array.from({ length: n }, () => this.stmt(depth)).join('\n');
  }

  stmt(depth: number): string {
    const r = this.r;
    const shallow = depth > 2;
    switch (shallow ? r.int(4) : r.int(10)) {
      case 0:
      case 1: {
        const t = r.pick<T>(['i32', 'i64']);
        return `(local.set ${r.pick(this.locals[t])} ${this.expr(t)})`;
      }
      case 2: {
        const t = r.pick<T>(['i32', 'i64']);
        const store = t === 'i32' ? r.pick(['i32.store', 'i32.store8']) : r.pick(['i64.store', 'i64.store16']);
        return `(${store} ${this.address(0)} ${this.expr(t)})`;
      }
      case 3: {
        const t = r.pick<T>(['i32', 'i64']);
        return `(global.set $g_${t} ${this.expr(t)})`;
      }
      case 4:
        return `(if ${this.expr('i32')} (then ${this.stmts(1 + r.int(3), depth + 1)}) (else ${this.stmts(r.int(3), depth + 1)}))`;
      case 5: {
        if (this.loopDepth >= this.counters.length) return this.stmt(depth + 1);
        const c = this.counters[this.loopDepth++];
        const label = `$L${this.labels++}`;
        const body = this.stmts(1 + r.int(3), depth + 1);
        this.loopDepth--;
        return `(local.set ${c} (i32.const ${1 + r.int(8)}))
          (loop ${label} ${body}
            (local.set ${c} (i32.sub (local.get ${c}) (i32.const 1)))
            (br_if ${label} (i32.gt_s (local.get ${c}) (i32.const 0))))`;
      }
      case 6: {
        const label = `$B${this.labels++}`;
        return `(block ${label} ${this.stmts(1 + r.int(2), depth + 1)} (br_if ${label} ${this.expr('i32')}) ${this.stmts(1 + r.int(2), depth + 1)})`;
      }
      case 7: {
        const [a, b, c] = [this.labels++, this.labels++, this.labels++].map((n) => `$S${n}`);
        return `(block ${a} (block ${b} (block ${c} (br_table ${c} ${b} ${a} (i32.and ${this.expr('i32')} (i32.const 3))))
            ${this.stmts(1, depth + 1)}) ${this.stmts(1, depth + 1)})`;
      }
      case 8:
        return r.pick([
          `(memory.fill (i32.and ${this.expr('i32')} (i32.const 0x7fff)) ${this.expr('i32')} (i32.and ${this.expr('i32')} (i32.const 0x3ff)))`,
          `(memory.copy (i32.and ${this.expr('i32')} (i32.const 0x7fff)) (i32.and ${this.expr('i32')} (i32.const 0x7fff)) (i32.and ${this.expr('i32')} (i32.const 0x3ff)))`,
        ]);
      default:
        if (!r.chance(0.1)) return `(drop ${this.expr('i64')})`;
        return `(if ${this.expr('i32')} (then ${this.canReturn && r.chance(0.8) ? '(return)' : 'unreachable'}))`;
    }
  }
}

/** A module exporting `call` (and `memory`), whose end state is written to memory. */
export function randomProgram(seed: number): string {
  const r = new Rng(seed);
  const helpers: Helper[] = [];
  const funcs: string[] = [];
  const counters = ['$c0', '$c1', '$c2'];
  const counterDecl = counters.map((c) => `(local ${c} i32)`).join(' ');

  for (let h = 0; h < 1 + r.int(4); h++) {
    const params = Array.from({ length: r.int(3) }, () => r.pick<T>(['i32', 'i64']));
    const result = r.pick<T>(['i32', 'i64']);
    const locals: Record<T, string[]> = { i32: ['$x'], i64: ['$y'] };
    params.forEach((p, i) => {
      locals[p].push(`$p${i}`);
    });
    // Helpers may call only earlier helpers: no unbounded recursion.
    const b = new Builder(r, locals, [...helpers], counters, false);
    const body = `${b.stmts(r.int(3), 1)} ${b.expr(result)}`;
    funcs.push(`(func $h${h} ${params.map((p, i) => `(param $p${i} ${p})`).join(' ')} (result ${result}) (local $x i32) (local $y i64) ${counterDecl}
      ${body})`);
    helpers.push({ name: `$h${h}`, params, result });
  }

  // Bounded recursion: depth from an expression masked to 0..15.
  funcs.push(`(func $rec (param $n i32) (param $acc i64) (result i64)
    (local.set $n (i32.and (local.get $n) (i32.const 15)))
    (if (result i64) (i32.le_s (local.get $n) (i32.const 0))
      (then (local.get $acc))
      (else (call $rec (i32.sub (local.get $n) (i32.const 1)) (i64.add (i64.mul (local.get $acc) (i64.const 31)) (i64.extend_i32_u (local.get $n)))))))`);
  helpers.push({ name: '$rec', params: ['i32', 'i64'], result: 'i64' });

  const main = new Builder(r, { i32: ['$a', '$b'], i64: ['$c', '$d'] }, helpers, counters, true);
  const body = main.stmts(3 + r.int(6), 0);
  return `(module
  (memory (export "memory") 1 2)
  (global $g_i32 (mut i32) (i32.const ${r.int(1000)}))
  (global $g_i64 (mut i64) (i64.const ${r.int(1000)}))
  ${funcs.join('\n  ')}
  (func (export "call") (local $a i32) (local $b i32) (local $c i64) (local $d i64) ${counterDecl}
    ${body}
    (i32.store (i32.const 65504) (local.get $a))
    (i32.store (i32.const 65508) (local.get $b))
    (i64.store (i32.const 65512) (local.get $c))
    (i64.store (i32.const 65520) (local.get $d))
    (i32.store (i32.const 65528) (global.get $g_i32))
    (i32.store (i32.const 65532) (i32.wrap_i64 (global.get $g_i64)))))`;
}
