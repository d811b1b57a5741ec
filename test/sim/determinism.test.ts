import { describe, expect, it } from 'vitest';
import { runSimulation, SimFailure } from './harness.js';
import { Prng } from './prng.js';
import { makeScenario } from './scenario.js';

describe('simulation determinism', () => {
  it('the PRNG is a pure function of its seed', () => {
    const draw = (seed: number): number[] => {
      const p = new Prng(seed);
      return Array.from({ length: 5 }, () => p.nextU32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    const p = new Prng(1);
    for (let i = 0; i < 1000; i++) {
      const x = p.range(3, 9);
      expect(x >= 3 && x <= 9 && Number.isInteger(x)).toBe(true);
    }
  });

  it('a seed replays the same run, event for event', () => {
    for (const profile of ['faulty', 'byzantine'] as const) {
      const lines = (): string[] => {
        const out: string[] = [];
        runSimulation(makeScenario(profile, 42), { trace: (l) => out.push(l) });
        return out;
      };
      const first = lines();
      expect(first.length).toBeGreaterThan(10);
      expect(lines()).toEqual(first);
    }
  });

  it('a failure names the seed and the command that reproduces it', () => {
    const scenario = makeScenario('byzantine', 5);
    const failure = new SimFailure(scenario, 'SAFETY: example', 1234);
    expect(failure.message).toContain('profile=byzantine seed=5');
    expect(failure.message).toContain('rerun: npx tsx test/sim/run.ts --profile byzantine --seed 5 --trace');
  });
});
