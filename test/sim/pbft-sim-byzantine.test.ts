import { describe } from 'vitest';
import { simulateSeeds } from './sim-cases.js';

describe('PBFT simulation: up to f byzantine validators', () => simulateSeeds('byzantine', 1, 150));
// Real secp256k1 signatures (verification memoised) on a few schedules of each kind.
describe('PBFT simulation with ecdsa signatures', () => {
  simulateSeeds('faulty', 1001, 6, { ecdsa: true });
  simulateSeeds('byzantine', 1001, 10, { ecdsa: true });
});
