/** Defences: the registry and the built-in defences. Register your own with `defences.register(…)`. */
import { Registry } from '../plugins/registry.js';
import { lossSanitisation } from './loss-sanitisation.js';
import { oracleFilter } from './oracle-filter.js';
import type { Defence } from './types.js';

export type { Defence, FilterContext, FilterOutcome } from './types.js';
export { checkKept, defenceEffectiveness, filteredTrainingSet, type DefenceEffectiveness } from './effectiveness.js';
export {
  dropHighestLoss,
  lossSanitisation,
  lossSanitisationSettings,
  sanitisationModelSeed,
  SANITISATION_DEFAULTS,
  SANITISATION_SCHEMA,
  trainSanitisationModel,
  type LossSanitisationSettings,
  type LossSanitisationTierSettings,
} from './loss-sanitisation.js';
export { oracleFilter } from './oracle-filter.js';

/** Name of the undefended arm. Not a defence: it cannot be registered. */
export const NO_DEFENCE = 'none';

/** A registry that refuses the name of the undefended arm, {@link NO_DEFENCE}. */
class DefenceRegistry extends Registry<Defence> {
  override register(plugin: Defence, options: { replace?: boolean } = {}): Defence {
    if (plugin.name === NO_DEFENCE) throw new Error(`"${NO_DEFENCE}" names the undefended arm; a defence cannot be registered under it`);
    return super.register(plugin, options);
  }
}

/** All defences, found by name. */
export const defences: Registry<Defence> = new DefenceRegistry('defence');
defences.register(lossSanitisation);
defences.register(oracleFilter);
