/** NAS algorithms: the registry and the built-in algorithms. Register your own with `nasAlgorithms.register(…)`. */
import { Registry } from '../plugins/registry.js';
import { randomEarlyStopping } from './early-stopping/index.js';
import { nsganetv2 } from './nsganetv2/index.js';
import { pdarts } from './pdarts/index.js';
import { randomSearch } from './random-search.js';
import { robot } from './robot/index.js';
import { tenas } from './tenas/index.js';
import type { NasAlgorithm } from './types.js';

export type { Diagnostics, NasAlgorithm, SearchContext, SearchOutcome } from './types.js';
export { pdarts } from './pdarts/index.js';
export { randomEarlyStopping } from './early-stopping/index.js';
export { tenas } from './tenas/index.js';
export { randomSearch, randomBaseline, RANDOM_BASELINE_SEED, type RandomBaseline } from './random-search.js';

/** All NAS algorithms, found by name. */
export const nasAlgorithms = new Registry<NasAlgorithm<unknown>>('NAS algorithm');
nasAlgorithms.register(pdarts as NasAlgorithm<unknown>);
nasAlgorithms.register(randomSearch as NasAlgorithm<unknown>);
nasAlgorithms.register(randomEarlyStopping as NasAlgorithm<unknown>);
nasAlgorithms.register(tenas as NasAlgorithm<unknown>);
nasAlgorithms.register(nsganetv2 as NasAlgorithm<unknown>);
nasAlgorithms.register(robot as NasAlgorithm<unknown>);
