/** The P-DARTS plugin. */
import type { NasAlgorithm } from '../types.js';
import { pdartsSearch } from './search.js';
import { pdartsDeviations, pdartsSearchCost, pdartsSettings, type PdartsSettings } from './settings.js';

export const pdarts: NasAlgorithm<PdartsSettings> = {
  name: 'pdarts',
  description: 'P-DARTS: progressive differentiable search (first-order, NB201 space), training-based',
  family: 'training-based',
  settings: pdartsSettings,
  search: pdartsSearch,
  deviations: pdartsDeviations,
  searchCost: pdartsSearchCost,
};

export { deriveWithSkipLimit, pruneEdgeOps } from './search.js';
