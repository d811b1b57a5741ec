/**
 * Just enough of the WebAssembly binary format to name functions in build errors and to
 * strip custom sections (names, producers, debug info) from the shipped artifact. The VM
 * does the real validation; this runs only on the compiler's own, well-formed output.
 */
class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  skipLimits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

interface Section {
  readonly id: number;
  readonly start: number; // first byte of the section (its id)
  readonly end: number;
  readonly body: Uint8Array;
}

function sections(wasm: Uint8Array): Section[] {
  const r = new Reader(wasm);
  r.pos = 8;
  const out: Section[] = [];
  while (r.pos < wasm.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    out.push({ id, start, end: r.pos + size, body: wasm.subarray(r.pos, r.pos + size) });
    r.pos += size;
  }
  return out;
}

/** The module without custom sections (id 0): same code, same code hash for the same build. */
export function stripCustomSections(wasm: Uint8Array): Uint8Array {
  const kept = sections(wasm).filter((s) => s.id !== 0);
  const parts = [wasm.subarray(0, 8), ...kept.map((s) => wasm.subarray(s.start, s.end))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface FunctionIndex {
  /** Name of function `index` (imports first, as in the binary format), if the name section has one. */
  name(index: number): string | undefined;
  /** Indices of the functions (imported or defined) whose signature is type `typeIndex`. */
  withType(typeIndex: number): number[];
}

export function functionIndex(wasm: Uint8Array): FunctionIndex {
  const names = new Map<number, string>();
  const types: number[] = [];
  for (const s of sections(wasm)) {
    const r = new Reader(s.body);
    if (s.id === 2) {
      for (let i = r.u32(); i > 0; i--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) types.push(r.u32());
        else if (kind === 1) r.byte(), r.skipLimits();
        else if (kind === 2) r.skipLimits();
        else r.pos += 2; // global: value type + mutability
      }
    } else if (s.id === 3) {
      for (let i = r.u32(); i > 0; i--) types.push(r.u32());
    } else if (s.id === 0 && r.name() === 'name') {
      while (r.pos < s.body.length) {
        const sub = r.byte();
        const end = r.u32() + r.pos;
        if (sub === 1) for (let i = r.u32(); i > 0; i--) names.set(r.u32(), r.name());
        r.pos = end;
      }
    }
  }
  return {
    name: (index) => names.get(index),
    withType: (typeIndex) => types.flatMap((t, i) => (t === typeIndex ? [i] : [])),
  };
}
