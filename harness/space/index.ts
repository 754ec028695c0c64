/** NAS-Bench-201 cell space: public API. */
export * from './ops.js';
export * from './genotype.js';
export * from './canonical.js';
export * from './sampling.js';
export * from './operations.js';
export * from './macro.js';
export * from './network.js';
export * from './supernet.js';
