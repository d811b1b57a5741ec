import { describe } from 'vitest';
import { simulateSeeds } from './sim-cases.js';

// Seeds for benign and crash/partition faults (the byzantine ones run in a second file,
// so the two share the machine's two test workers). Longer runs: test/soak, test/sim/run.ts.
describe('PBFT simulation: benign network', () => simulateSeeds('benign', 1, 50));
describe('PBFT simulation: loss, partitions, crashes and restarts', () => simulateSeeds('faulty', 1, 150));
