import { describe } from 'vitest';
import { simulateSeeds } from '../sim/sim-cases.js';

/**
 * The long PBFT simulation run (`npm run test:soak`): seeds far from the ones `npm test`
 * runs. LINGDING_SIM_SEEDS (default 1000 per profile) and LINGDING_SIM_FROM (default
 * 100000) choose the range; every failure prints its seed and the command to replay it.
 */
const count = Number(process.env.LINGDING_SIM_SEEDS ?? 1000);
const from = Number(process.env.LINGDING_SIM_FROM ?? 100_000);

describe('PBFT simulation soak', () => {
  simulateSeeds('benign', from, Math.ceil(count / 4));
  simulateSeeds('faulty', from, count);
  simulateSeeds('byzantine', from, count);
  simulateSeeds('byzantine', from + count, Math.ceil(count / 20), { ecdsa: true });
});
