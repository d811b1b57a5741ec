export * from './addresses.js';
export * from './executor.js';
export * from './gas.js';
export * from './types.js';
export * from './system/index.js';
export * from './errors.js';
