import { expect, it } from 'vitest';
import { runSimulation } from './harness.js';
import { makeScenario, type Profile } from './scenario.js';

/**
 * Registers one vitest case per seed. A failing case's message carries the seed, the
 * schedule and the command that replays it exactly (see SimFailure).
 */
export function simulateSeeds(profile: Profile, from: number, count: number, opts: { ecdsa?: boolean } = {}): void {
  for (let seed = from; seed < from + count; seed++) {
    it(`${profile} seed ${seed}${opts.ecdsa ? ' (ecdsa)' : ''}`, () => {
      const report = runSimulation(makeScenario(profile, seed, opts));
      expect(report.height).toBeGreaterThan(0);
    });
  }
}
