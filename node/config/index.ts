export * from './genesis.js';
export * from './node-config.js';
