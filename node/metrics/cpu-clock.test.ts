import { describe, expect, it } from 'vitest';
import { CpuClock } from './cpu-clock.js';

/** A main-thread CPU clock the test moves by hand. */
function fakeClock() {
  let t = 0;
  return { now: () => t, spend: (us: number) => (t += us) };
}

describe('CpuClock', () => {
  it('counts each microsecond once, for the innermost phase, and the rest as main_other', () => {
    const c = fakeClock();
    const clock = new CpuClock(c.now);
    c.spend(100); // before any phase: main_other
    clock.run('consensus', () => {
      c.spend(10);
      clock.run('execution', () => c.spend(50));
      c.spend(5);
      clock.run('storage', () => {
        c.spend(7);
        clock.run('admission', () => c.spend(3));
      });
    });
    c.spend(20);
    const s = clock.snapshot();
    expect(s.consensus * 1e6).toBeCloseTo(15);
    expect(s.execution * 1e6).toBeCloseTo(50);
    expect(s.storage * 1e6).toBeCloseTo(7);
    expect(s.admission * 1e6).toBeCloseTo(3);
    expect(s.main_other * 1e6).toBeCloseTo(120);
    expect(s.rpc).toBe(0);
  });

  it('keeps counting right when a phase throws, and returns what the section returns', () => {
    const c = fakeClock();
    const clock = new CpuClock(c.now);
    expect(() =>
      clock.run('gossip', () => {
        c.spend(4);
        clock.run('admission', () => {
          c.spend(6);
          throw new Error('refused');
        });
      }),
    ).toThrow('refused');
    expect(clock.run('rpc', () => (c.spend(2), 'answer'))).toBe('answer');
    const s = clock.snapshot();
    expect([s.gossip, s.admission, s.rpc].map((x) => Math.round(x * 1e6))).toEqual([4, 6, 2]);
  });

  it('reads the clock only where the phase changes: a section inside one of its own phase is counted as it', () => {
    const c = fakeClock();
    let reads = 0;
    const clock = new CpuClock(() => (reads++, c.now()));
    clock.run('gossip', () => {
      c.spend(4);
      clock.run('gossip', () => c.spend(6));
      clock.run('admission', () => clock.run('admission', () => c.spend(3)));
    });
    expect(reads).toBe(4);
    const s = clock.snapshot();
    expect([s.gossip, s.admission].map((x) => Math.round(x * 1e6))).toEqual([10, 3]);
  });

  it('adds what the signature workers report, and puts the rest of the process in background', () => {
    const clock = new CpuClock(() => 0);
    clock.addSignatureMicros(250);
    const s = clock.snapshot();
    expect(s.signature * 1e6).toBeCloseTo(250);
    expect(s.background).toBeGreaterThanOrEqual(0);
  });
});
