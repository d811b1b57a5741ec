/**
 * Runs the PBFT simulation from the command line.
 *
 *   npx tsx test/sim/run.ts --profile byzantine --seed 17 --trace   one seed, with an event trace
 *   npx tsx test/sim/run.ts --seeds 1000 --from 5000                 seeds 5000..5999 of every profile
 *   options: --profile benign|faulty|byzantine (default: all), --ecdsa (real signatures),
 *            --debug (with --trace: also the messages validators dropped)
 *
 * Prints one line per run (seed, schedule counts, outcome) and exits non-zero on the
 * first failure, after printing the seed and the command that reproduces it.
 */
import { parseArgs } from 'node:util';
import { runSimulation, SimFailure } from './harness.js';
import { makeScenario, PROFILES, type Profile } from './scenario.js';

const { values } = parseArgs({
  options: {
    profile: { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string', default: '1' },
    from: { type: 'string', default: '1' },
    ecdsa: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    debug: { type: 'boolean', default: false },
  },
});

const profiles: readonly Profile[] = values.profile ? [parseProfile(values.profile)] : PROFILES;
const from = Number(values.seed ?? values.from);
const count = values.seed !== undefined ? 1 : Number(values.seeds);
if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count) || count < 1)
  throw new Error('--seed/--from/--seeds must be integers');

const started = performance.now();
let runs = 0;
for (let seed = from; seed < from + count; seed++) {
  for (const profile of profiles) {
    const scenario = makeScenario(profile, seed, { ecdsa: values.ecdsa });
    try {
      const r = runSimulation(scenario, {
        trace: values.trace ? (line) => console.log(line) : undefined,
        debug: values.debug,
      });
      runs++;
      console.log(
        `ok   ${profile.padEnd(9)} seed=${seed} ${r.scenario} | height=${r.height} virtual=${r.virtualMs}ms heal->target=${r.healToTargetMs}ms ` +
          `events=${r.events} msgs=${r.messages.sent} dropped=${r.messages.dropped + r.messages.partitioned} dup=${r.messages.duplicated} ` +
          `timeouts=${r.viewTimeouts} synced=${r.syncedBlocks} byzMsgs=${r.byzantineMessages} warnings=${r.warnings}`,
      );
    } catch (e) {
      if (!(e instanceof SimFailure)) throw e;
      console.log(`FAIL ${profile.padEnd(9)} seed=${seed}\n${e.message}`);
      process.exit(1);
    }
  }
}
console.log(`${runs} runs passed in ${((performance.now() - started) / 1000).toFixed(1)}s`);

function parseProfile(p: string): Profile {
  if (!(PROFILES as readonly string[]).includes(p)) throw new Error(`--profile must be one of ${PROFILES.join(', ')}`);
  return p as Profile;
}
