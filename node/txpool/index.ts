export * from './errors.js';
export * from './pool.js';
