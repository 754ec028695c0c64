/**
 * The TE-NAS plugin (Chen, Gong & Wang, ICLR 2021): training-free pruning of the NB201 supernet by
 * the NTK condition number and the number of linear regions. It reads the search set's images
 * only — never its labels — so label poisoning cannot move it.
 */
import type { NasAlgorithm } from '../types.js';
import { tenasSearch } from './search.js';
import { tenasDeviations, tenasSearchCost, tenasSettings, type TenasSettings } from './settings.js';

export const tenas: NasAlgorithm<TenasSettings> = {
  name: 'tenas',
  description: 'TE-NAS: prunes the NB201 supernet op by op by the rank sum of NTK condition number and linear regions; training-free, never reads labels',
  family: 'training-free',
  settings: tenasSettings,
  search: (context) => tenasSearch(context),
  deviations: tenasDeviations,
  searchCost: tenasSearchCost,
};

export { tenasSearch, TENAS_PROXIES, candidateRemovals, isDegenerateSupernet, type TenasProxies } from './search.js';
export { TENAS_DEFAULTS, TENAS_PUBLISHED, tenasSettings, type TenasSettings, type TenasTierSettings } from './settings.js';
