/**
 * The NSGANetV2 plugin: surrogate-assisted NSGA-II over (validation error, FLOPs) with a
 * weight-sharing supernet, on the NB201 cell space. Training-based: the supernet, the fine-tuning and
 * the validation all see the (possibly poisoned) labels.
 */
import type { NasAlgorithm } from '../types.js';
import { nsganetv2Search } from './search.js';
import { nsganetv2Deviations, nsganetv2SearchCost, nsganetv2Settings, type Nsganetv2Settings } from './settings.js';

export const nsganetv2: NasAlgorithm<Nsganetv2Settings> = {
  name: 'nsganetv2',
  description:
    'NSGANetV2: NSGA-II on (validation error, FLOPs) with an accuracy surrogate (RBF/GP/CART by cross-validated Kendall τ) and a uniform single-path supernet whose weights each candidate inherits and fine-tunes; training-based',
  family: 'training-based',
  settings: nsganetv2Settings,
  search: nsganetv2Search,
  deviations: nsganetv2Deviations,
  searchCost: nsganetv2SearchCost,
};

export { NSGANETV2_DEFAULTS, nsganetv2Deviations, nsganetv2Settings, type Nsganetv2Settings, type Nsganetv2TierSettings } from './settings.js';
export { encodeGenotype, nsganetv2Search } from './search.js';
