/**
 * The random-early-stopping plugin: random search with early stopping over the tier's
 * random-baseline sample (the harness's panel), so that its selection signal can be checked against
 * clean accuracies the harness already knows. A label-dependent positive control: it ranks cells by
 * validation accuracy on the (possibly poisoned) search set.
 */
import type { NasAlgorithm } from '../types.js';
import { earlyStoppingSearch } from './search.js';
import { earlyStoppingSearchCost, earlyStoppingSettings, type EarlyStoppingSettings } from './settings.js';

export const randomEarlyStopping: NasAlgorithm<EarlyStoppingSettings> = {
  name: 'random-early-stopping',
  description:
    'random search with early stopping over the random-baseline sample: each cell trained briefly on the (possibly poisoned) search set, the best validation accuracy wins; training-based',
  family: 'training-based',
  settings: earlyStoppingSettings,
  search: earlyStoppingSearch,
  searchCost: earlyStoppingSearchCost,
};

export { EARLY_STOPPING_DEFAULTS, earlyStoppingSettings, type EarlyStoppingSettings, type EarlyStoppingTierSettings } from './settings.js';
export { scoreCandidate } from './search.js';
