export * from './overlay.js';
export * from './world-state.js';
