/** Defences: the registry and the built-in defences. Register your own with `defences.register(…)`. */
import { Registry } from '../plugins/registry.js';
import type { Defence } from './types.js';

export type { Defence, FilterContext, FilterOutcome } from './types.js';

/** Name of the undefended arm. Not a defence: it cannot be registered. */
export const NO_DEFENCE = 'none';

/** All defences, found by name. */
export const defences = new Registry<Defence>('defence');
