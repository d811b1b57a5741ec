import { describe, expect, it } from 'vitest';
import { faultTolerance } from '../../consensus/index.js';
import { runSimulation } from './harness.js';
import { makeScenario, PROFILES } from './scenario.js';

/**
 * Validator-set changes in the seeded simulation (as executed committee proposals make them):
 * the scenarios draw them as the rules say, and runs commit past them. Every commit in a run
 * is checked against the set in force at its height (a block certified by the old set past a
 * change fails the run), so passing seeds are seeds where the new set decided.
 */
describe('PBFT simulation: validator-set changes', () => {
  const scenarios = PROFILES.flatMap((p) => Array.from({ length: 40 }, (_, i) => makeScenario(p, i + 1)));
  const changing = scenarios.filter((s) => s.setChanges.length > 0);

  it('about half the seeds change their set; a set keeps 4 validators and at most f byzantine ones', () => {
    expect(changing.length).toBeGreaterThan(scenarios.length / 4);
    for (const s of changing) {
      expect(s.spares).toBe(1);
      for (const c of s.setChanges) {
        expect(c.members.length).toBeGreaterThanOrEqual(4);
        const byzantine = c.members.filter((i) => s.byzantine.some((b) => b.node === i)).length;
        expect(byzantine).toBeLessThanOrEqual(faultTolerance(c.members.length));
      }
    }
  });

  it('runs commit past their changes, a joining spare among the deciding validators', () => {
    const joins = changing.filter((s) => s.setChanges.some((c) => c.members.includes(s.n))).slice(0, 6);
    expect(joins.length).toBe(6);
    for (const s of joins) {
      const report = runSimulation(s);
      expect(report.height).toBeGreaterThanOrEqual(Math.max(...s.setChanges.map((c) => c.fromHeight)));
    }
  });
});
