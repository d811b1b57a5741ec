export * from './canonical.js';
export * from './hex.js';
export * from './tx.js';
export * from './block.js';
export * from './envelope.js';
