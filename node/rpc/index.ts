export * from './errors.js';
export * from './methods.js';
export * from './server.js';
export * from './schema.js';
