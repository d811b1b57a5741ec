import { faultTolerance, type PbftTimeouts } from '../../consensus/index.js';
import { BEHAVIOURS, type Behaviour } from './byzantine.js';
import type { LinkConfig } from './network.js';
import { Prng } from './prng.js';

/**
 * A run's whole schedule, derived from (profile, seed) alone:
 *  - benign:    delays, duplicates and reordering only
 *  - faulty:    plus message loss, partitions that heal, crashed and restarted validators
 *  - byzantine: faulty, plus up to f byzantine validators (see byzantine.ts)
 * Every run has a chaos phase, then heals (no loss, no partition, everyone restarted)
 * and must reach `livenessBlocks` more blocks within `livenessBoundMs` of virtual time.
 */
export const PROFILES = ['benign', 'faulty', 'byzantine'] as const;
export type Profile = (typeof PROFILES)[number];

export interface Scenario {
  readonly profile: Profile;
  readonly seed: number;
  /** Real secp256k1 signatures instead of the cheap simulation suite. */
  readonly ecdsa: boolean;
  readonly n: number;
  readonly byzantine: ReadonlyArray<{ readonly node: number; readonly behaviours: readonly Behaviour[] }>;
  readonly chaosMs: number;
  readonly chaosLink: LinkConfig;
  readonly healedLink: LinkConfig;
  readonly partitions: ReadonlyArray<{
    readonly atMs: number;
    readonly durationMs: number;
    readonly groups: readonly number[];
  }>;
  readonly crashes: ReadonlyArray<{ readonly node: number; readonly atMs: number; readonly downMs: number }>;
  /**
   * Extra loss of commits and decisions (and of prepares, at half the rate) during chaos: leaves blocks
   * prepared by some and decided by few when views change, the case new-view proofs exist for.
   */
  readonly voteLoss: number;
  /** Probability that an honest validator crashes right after sending a vote (during chaos). */
  readonly voteCrash: number;
  readonly timeouts: PbftTimeouts;
  readonly buildDelay: readonly [number, number];
  readonly execDelay: readonly [number, number];
  readonly syncIntervalMs: number;
  readonly livenessBlocks: number;
  readonly livenessBoundMs: number;
  /** Nodes beyond the first n, outside the genesis validator set: they follow until a change admits them. */
  readonly spares: number;
  /**
   * Validator-set changes, as a committee proposal executed in block h-1 would make them: from
   * `fromHeight` on, the validators are `members` (node indices, in this order). Every set
   * keeps at least 4 validators and at most f byzantine ones among them.
   */
  readonly setChanges: ReadonlyArray<{ readonly fromHeight: number; readonly members: readonly number[] }>;
}

/** Withhold votes from some, hide own prepared certificates in new views, equivocate as leader. */
const SAFETY_ATTACK: readonly Behaviour[] = ['splitVotes', 'cherryPick', 'equivocate'];

const HEALED: LinkConfig = { drop: 0, duplicate: 0.02, minDelay: 5, maxDelay: 60, slow: 0.02, longDelay: 300 };

export function makeScenario(profile: Profile, seed: number, opts: { ecdsa?: boolean } = {}): Scenario {
  const rng = new Prng((BigInt(PROFILES.indexOf(profile) + 1) << 48n) ^ BigInt(seed));
  const n =
    profile === 'benign'
      ? rng.pick([4, 4, 7])
      : profile === 'faulty'
        ? rng.pick([4, 4, 7])
        : rng.pick([4, 4, 7, 7, 10]);
  const f = faultTolerance(n);
  const chaosMs = profile === 'benign' ? rng.range(4_000, 10_000) : rng.range(8_000, 25_000);

  const byzantine: Array<{ node: number; behaviours: readonly Behaviour[] }> = [];
  if (profile === 'byzantine') {
    // Some runs gang up on safety with one coordinated strategy; the rest mix behaviours at random.
    const attack = rng.chance(0.4);
    for (const node of rng.shuffle([...Array(n).keys()]).slice(0, rng.range(1, f))) {
      byzantine.push({ node, behaviours: attack ? SAFETY_ATTACK : rng.shuffle(BEHAVIOURS).slice(0, rng.range(1, 4)) });
    }
  }
  const honest = [...Array(n).keys()].filter((i) => !byzantine.some((b) => b.node === i));

  const chaosLink: LinkConfig =
    profile === 'benign'
      ? { drop: 0, duplicate: rng.next() * 0.1, minDelay: 1, maxDelay: rng.range(10, 100), slow: 0.05, longDelay: 800 }
      : {
          drop: rng.next() * (profile === 'faulty' ? 0.15 : 0.08),
          duplicate: rng.next() * 0.1,
          minDelay: 1,
          maxDelay: rng.range(20, 150),
          slow: 0.1,
          longDelay: 3_000,
        };

  const partitions: Array<{ atMs: number; durationMs: number; groups: number[] }> = [];
  const crashes: Array<{ node: number; atMs: number; downMs: number }> = [];
  if (profile !== 'benign') {
    for (let k = rng.int(4); k > 0; k--) {
      const parts = rng.range(2, 3);
      partitions.push({
        atMs: rng.int(chaosMs),
        durationMs: rng.range(500, 10_000),
        groups: Array.from({ length: n }, () => rng.int(parts)),
      });
    }
    for (let k = rng.int(4); k > 0; k--)
      crashes.push({ node: rng.pick(honest), atMs: rng.int(chaosMs), downMs: rng.range(100, 15_000) });
  }
  // Drawn last, from a stream of their own, so the rest of each seed's schedule is as it was.
  const { spares, setChanges } = drawSetChanges(
    rng.fork(),
    n,
    byzantine.map((b) => b.node),
  );
  return {
    profile,
    seed,
    ecdsa: opts.ecdsa ?? false,
    n,
    byzantine,
    chaosMs,
    chaosLink,
    healedLink: HEALED,
    partitions,
    crashes,
    voteCrash: profile === 'benign' ? 0 : rng.pick([0, 0.01, 0.05, 0.2]),
    voteLoss: profile === 'benign' ? 0 : rng.pick([0, 0, 0.3, 0.7]),
    timeouts: { baseMs: 1_000, maxMs: 8_000 },
    buildDelay: [20, 250],
    execDelay: [2, 40],
    syncIntervalMs: 1_000,
    livenessBlocks: 3,
    livenessBoundMs: 60_000,
    spares,
    setChanges,
  };
}

/**
 * Half the runs change their validator set one to three times at random early heights: a
 * spare node (or one removed before) joins, or an honest validator leaves, while the chaos
 * goes on. A set never drops below 4 validators nor holds more than f byzantine ones.
 */
function drawSetChanges(rng: Prng, n: number, byzantine: readonly number[]): Pick<Scenario, 'spares' | 'setChanges'> {
  if (!rng.chance(0.5)) return { spares: 0, setChanges: [] };
  const spares = 1;
  const all = [...Array(n + spares).keys()];
  const byzIn = (set: readonly number[]) => set.filter((i) => byzantine.includes(i)).length;
  let members = [...Array(n).keys()];
  let height = 0;
  const setChanges: Array<{ fromHeight: number; members: number[] }> = [];
  for (let k = rng.range(1, 3); k > 0; k--) {
    height += rng.range(1, 4);
    const outside = all.filter((i) => !members.includes(i));
    const removable =
      members.length > 4
        ? members.filter((i) => !byzantine.includes(i) && byzIn(members) <= faultTolerance(members.length - 1))
        : [];
    if (outside.length > 0 && (removable.length === 0 || rng.chance(0.5))) {
      const joining = rng.pick(outside);
      members = [...members, joining];
    } else if (removable.length > 0) {
      const leaving = rng.pick(removable);
      members = members.filter((i) => i !== leaving);
    } else continue;
    setChanges.push({ fromHeight: height, members });
  }
  return { spares, setChanges };
}

export function describeScenario(s: Scenario): string {
  const byz = s.byzantine.map((b) => `v${b.node}:${b.behaviours.join('+')}`).join(' ') || 'none';
  const sets = s.setChanges.map((c) => `h${c.fromHeight}:[${c.members.join(',')}]`).join(' ');
  return `n=${s.n}${s.spares ? `+${s.spares} spare` : ''}${sets ? ` sets=${sets}` : ''} chaos=${s.chaosMs}ms drop=${s.chaosLink.drop.toFixed(3)} partitions=${s.partitions.length} crashes=${s.crashes.length} voteCrash=${s.voteCrash} voteLoss=${s.voteLoss} byzantine=[${byz}]${s.ecdsa ? ' suite=ecdsa' : ''}`;
}
