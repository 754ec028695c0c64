/** Attacks: the registry and the built-in attacks. Register your own with `attacks.register(…)`. */
import { Registry } from '../plugins/registry.js';
import { confidenceLabelFlip } from './confidence-label-flip.js';
import { gaussianNoise } from './gaussian-noise.js';
import { gradientCanceling, gradientCancelingNas } from './gradient-canceling/index.js';
import { randomLabelFlip } from './random-label-flip.js';
import type { Attack } from './types.js';

export type { Attack, CraftContext, PerturbationBound, PluginParams, PoisonArtifact, PoisonDiagnostic } from './types.js';
export { applyPoison, checkBudget, makeArtifact, poisonCount, poisonHash } from './poison.js';
export { randomLabelFlip } from './random-label-flip.js';
export { gaussianNoise } from './gaussian-noise.js';
export { confidenceLabelFlip, CLF_RULE } from './confidence-label-flip.js';
export { gradientCanceling, gradientCancelingNas, gcDeviations, gcNasDeviations } from './gradient-canceling/index.js';
export { verifyPoison, isPoisonRefused, PoisonRefusedError, type ProvenanceReport } from './provenance.js';

/** Name of the control arm (no poison). Not an attack: it cannot be registered. */
export const CLEAN = 'clean';

/** All attacks, found by name. */
export const attacks = new Registry<Attack>('attack');
attacks.register(randomLabelFlip);
attacks.register(gaussianNoise);
attacks.register(confidenceLabelFlip);
attacks.register(gradientCanceling);
attacks.register(gradientCancelingNas);
