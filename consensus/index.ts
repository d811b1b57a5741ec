/** Consensus: PBFT as a pure state machine. See pbft/core.ts for how a node drives it. */
export * from './pbft/index.js';
