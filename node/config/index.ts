export * from './defaults.js';
export * from './genesis.js';
export * from './node-config.js';
export * from './writer.js';
