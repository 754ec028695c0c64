/**
 * Gradient-canceling settings: the tier's `attacks["gradient-canceling"]` block. Its schema is this
 * folder's `settings.schema.json`; every field is optional and {@link gcSettings} fills in
 * {@link GC_DEFAULTS}.
 *
 * Published settings: the study's protocol (docs: paper-protocol.md, "Attacks") — GradPC target
 * with ε = 1.0 (0.5 for the training-free methods), perturbations in ‖δ‖∞ ≤ 16/255, Adam lr 0.1,
 * 100 iterations — and, where the protocol is silent, Lu, Kamath & Yu's code (watml/plim): the
 * GradPC ascent is one epoch of their GradAttacker (normalised gradient, lr 1, batch 64, L2
 * projection after every step) and the clean gradient is taken over the whole clean training set.
 */
import { settingsSchema } from '../../plugins/settings.js';
import type { SettingsSchema } from '../../plugins/settings.js';
import { checkSurrogateSpec, overrideRecipe } from '../../plugins/surrogate-settings.js';
import type { TrainingRecipe } from '../../train/recipe.js';
import { RESNET_CELL, surrogateRecipe, type SurrogateSpec } from '../../train/surrogate.js';

/** The attack's name in the registry and in tier blocks. */
export const GC_NAME = 'gradient-canceling';

/** Effective parameters of gradient canceling (a type: plugin parameters are a string-indexed record). */
export type GcParams = {
  /** GradPC: L2 radius of the target's parameter shift ‖θ_t − θ₀‖₂ (for {@link GcParams.epsilonReference} parameters). */
  epsilon: number;
  /**
   * The parameter count ε is stated for: the radius used is ε·√(P/epsilonReference) for a victim
   * of P trainable parameters, the same RMS shift per parameter (null: ε as it stands).
   */
  epsilonReference: number | null;
  /** GradPC: step size η of θ ← θ + η·g/‖g‖. */
  ascentStepSize: number;
  /** GradPC: mini-batch size of the one ascent epoch. */
  ascentBatchSize: number;
  /** L∞ radius of each image's perturbation. */
  linfRadius: number;
  /** Adam learning rate of the perturbations. */
  learningRate: number;
  /** Adam iterations. */
  iterations: number;
  /** Clean samples ḡ_c is averaged over (null: every sample not poisoned). */
  cleanGradientSamples: number | null;
  /** Samples per gradient pass. */
  chunkSize: number;
  /** The clean-trained victim θ₀. */
  victim: SurrogateSpec;
};

/** A tier's `attacks["gradient-canceling"]` block: every field optional. */
export interface GcTierSettings {
  epsilon?: number;
  epsilonReference?: number | null;
  ascentStepSize?: number;
  ascentBatchSize?: number;
  linfRadius?: number;
  learningRate?: number;
  iterations?: number;
  cleanGradientSamples?: number | null;
  chunkSize?: number;
  victim?: { genotype?: string; channels?: number; cellsPerStage?: number; recipe?: Partial<TrainingRecipe> };
}

/** The published values (protocol, else watml/plim; see the module comment). */
export const GC_PUBLISHED = Object.freeze({
  epsilon: 1.0,
  epsilonReference: null,
  ascentStepSize: 1.0,
  ascentBatchSize: 64,
  linfRadius: 16 / 255,
  learningRate: 0.1,
  iterations: 100,
  cleanGradientSamples: null,
});

/**
 * The default victim's recipe: the smoke evaluation recipe (SGD-Nesterov 0.9, lr 0.05 cosine,
 * batch 64, wd 5e-4, clip 5) for 4 epochs — a victim trained like the networks the poison is
 * evaluated on, in seconds at the smoke size; larger tiers set their own.
 */
export const GC_DEFAULT_VICTIM_RECIPE: Readonly<TrainingRecipe> = Object.freeze(surrogateRecipe('gc-victim', 4));

/**
 * Trainable parameters of the study's victim, ResNet-18 in its CIFAR form (kuangliu/pytorch-cifar:
 * 11,173,962 for 3-channel inputs and 10 classes; a 1-channel stem has 1,152 fewer, 0.01 %).
 */
export const RESNET18_PARAMETERS = 11_173_962;

/**
 * Defaults: the published values, except that ε is scaled to the victim's size
 * ({@link RESNET18_PARAMETERS}). ‖Δ‖₂ = 1 spread over ResNet-18's 11.2 M weights is an RMS shift of
 * 3e-4 per weight; over the 43 k weights of the smoke victim it is 5e-3. Measured at the smoke tier
 * (wasm, 2000 images): the literal ε = 1 takes the victim's training loss from 0.41 to 1.9e4
 * (ε = 0.2: to 20), a target no bounded poison can reach, whereas the scaled radius (0.062) takes it
 * to 0.96. The victim is the NB201 ResNet cell at the smoke skeleton's size (C = 8, N = 1) with
 * {@link GC_DEFAULT_VICTIM_RECIPE}; 250 samples per gradient pass (the chunk size changed the smoke
 * crafting time by under 10 % between 125 and 500).
 */
export const GC_DEFAULTS: Readonly<GcParams> = Object.freeze({
  ...GC_PUBLISHED,
  epsilonReference: RESNET18_PARAMETERS,
  chunkSize: 250,
  victim: Object.freeze({ genotype: RESNET_CELL, channels: 8, cellsPerStage: 1, recipe: GC_DEFAULT_VICTIM_RECIPE }),
});

/**
 * The smoke tier's block (for harness/run/tiers/smoke.json's `attacks`): 6 Adam iterations instead
 * of the published 100, everything else as {@link GC_DEFAULTS}. Measured with smoke-timing.ts at the
 * smoke tier (2000 Fashion-MNIST images at 16×16, wasm, 2 shared cores, victim cached; its training
 * adds ~17–20 s once per seed): p = 0.01 in ~6 s (cos(ḡ_c, g_p) 0.94 → −0.04), p = 0.1 in 19 s
 * (0.99 → −0.53), p = 0.5 in 63 s (1.00 → −0.52). One iteration over 1000 points costs ~8–10 s
 * (a first- and a second-order pass); the cosine levels off near −0.5 after 5–6 iterations
 * (8 iterations: −0.56 in 90 s).
 */
export const GC_SMOKE_SETTINGS: Readonly<GcTierSettings> = Object.freeze({ iterations: 6 });

/** The compiled schema of an `attacks["gradient-canceling"]` block. */
export const GC_SCHEMA = settingsSchema<GcTierSettings>(GC_NAME, new URL('./settings.schema.json', import.meta.url));

/**
 * Effective parameters from a tier block (undefined or null: {@link GC_DEFAULTS}), each missing
 * field filled from the defaults (the victim and its recipe field by field). A victim recipe whose
 * name is not given is named after its epochs (`gc-victim-<epochs>ep`).
 *
 * @throws SettingsError naming each bad field by its path, e.g.
 *   `gradient-canceling: /epsilon must be > 0`
 */
export function gcSettings(block: unknown): GcParams {
  const d = GC_DEFAULTS;
  if (block === undefined || block === null) return { ...d, victim: { ...d.victim, recipe: { ...d.victim.recipe } } };
  const given = GC_SCHEMA.check(block);
  const givenVictim = given.victim ?? {};
  const recipe = overrideRecipe(d.victim.recipe, givenVictim.recipe, 'gc-victim');
  const params: GcParams = {
    ...cancelingFields(given, d, GC_SCHEMA),
    epsilonReference: given.epsilonReference === undefined ? d.epsilonReference : given.epsilonReference,
    victim: { ...d.victim, ...givenVictim, recipe },
  };
  // What JSON Schema cannot say: non-finite numbers from a JS caller, the genotype's grammar and
  // trainability, the recipe's cross-field rule (minLearningRate ≤ learningRate).
  if (params.epsilonReference !== null && !Number.isSafeInteger(params.epsilonReference)) {
    GC_SCHEMA.fail('/epsilonReference', `must be a finite integer or null, got ${params.epsilonReference}`);
  }
  for (const field of ['channels', 'cellsPerStage'] as const) {
    if (!Number.isSafeInteger(params.victim[field])) GC_SCHEMA.fail(`/victim/${field}`, `must be a finite integer, got ${params.victim[field]}`);
  }
  for (const [field, value] of Object.entries(recipe)) {
    if (typeof value === 'number' && !Number.isFinite(value)) GC_SCHEMA.fail(`/victim/recipe/${field}`, `must be a finite number, got ${value}`);
  }
  checkSurrogateSpec(GC_SCHEMA, '/victim', params.victim);
  return params;
}

/** The fields both variants share: the GradPC ascent and the canceling stage. */
export type CancelingFields = Pick<GcParams, 'epsilon' | 'ascentStepSize' | 'ascentBatchSize' | 'linfRadius' | 'learningRate' | 'iterations' | 'cleanGradientSamples' | 'chunkSize'>;

/**
 * The shared fields of a schema-checked block over the defaults, with what JSON Schema cannot say
 * of them: a JS caller's non-finite numbers.
 *
 * @throws SettingsError naming the field
 */
export function cancelingFields(given: Partial<CancelingFields>, d: CancelingFields, schema: SettingsSchema<unknown>): CancelingFields {
  const fields: CancelingFields = {
    epsilon: given.epsilon ?? d.epsilon,
    ascentStepSize: given.ascentStepSize ?? d.ascentStepSize,
    ascentBatchSize: given.ascentBatchSize ?? d.ascentBatchSize,
    linfRadius: given.linfRadius ?? d.linfRadius,
    learningRate: given.learningRate ?? d.learningRate,
    iterations: given.iterations ?? d.iterations,
    cleanGradientSamples: given.cleanGradientSamples === undefined ? d.cleanGradientSamples : given.cleanGradientSamples,
    chunkSize: given.chunkSize ?? d.chunkSize,
  };
  for (const field of ['epsilon', 'ascentStepSize', 'linfRadius', 'learningRate'] as const) {
    if (!Number.isFinite(fields[field])) schema.fail(`/${field}`, `must be a finite number, got ${fields[field]}`);
  }
  for (const field of ['ascentBatchSize', 'iterations', 'chunkSize'] as const) {
    if (!Number.isSafeInteger(fields[field])) schema.fail(`/${field}`, `must be a finite integer, got ${fields[field]}`);
  }
  if (fields.cleanGradientSamples !== null && !Number.isSafeInteger(fields.cleanGradientSamples)) {
    schema.fail('/cleanGradientSamples', `must be a finite integer or null, got ${fields.cleanGradientSamples}`);
  }
  return fields;
}

/**
 * Each way `params` departs from gradient canceling as published (for the report's method
 * section): the harness-wide departures first, then each changed value.
 */
export function gcDeviations(params: GcParams): string[] {
  const p = GC_PUBLISHED;
  const out: string[] = [
    `the victim θ₀ is an NB201 network of the cell ${params.victim.genotype} (C = ${params.victim.channels}, N = ${params.victim.cellsPerStage}, ${params.victim.recipe.epochs} epochs of ${params.victim.recipe.name}), the space's stand-in for the study's ResNet-18`,
    'gradients (GradPC ascent, ḡ_c, g_p) are taken with batch norm in evaluation mode (the victim\'s running statistics), so each sample\'s gradient is independent of its batch and g_p is a per-sample sum',
    'the poison replaces round(p·n) clean samples (chosen uniformly by the seed, labels kept) rather than being added to the clean set: the objective weighs ḡ_c over the remaining clean samples by 1 − p and g_p by p, p = k/n',
  ];
  if (params.epsilonReference !== p.epsilonReference) {
    out.push(`GradPC radius scaled to the victim's size: ε·√(P/${params.epsilonReference}) for a victim of P parameters (the same RMS shift per weight as ε over ${params.epsilonReference === RESNET18_PARAMETERS ? "ResNet-18's " : ''}${params.epsilonReference} parameters), not ε itself`);
  }
  if (params.iterations !== p.iterations) out.push(`${params.iterations} Adam iteration${params.iterations === 1 ? '' : 's'} instead of ${p.iterations}`);
  if (params.learningRate !== p.learningRate) out.push(`Adam learning rate ${params.learningRate} instead of ${p.learningRate}`);
  if (params.linfRadius !== p.linfRadius) out.push(`L∞ radius ${params.linfRadius} instead of 16/255`);
  if (params.epsilon !== p.epsilon) out.push(`GradPC radius ε = ${params.epsilon} instead of ${p.epsilon} (the study uses 0.5 for the training-free methods)`);
  if (params.ascentStepSize !== p.ascentStepSize) out.push(`GradPC step size η = ${params.ascentStepSize} instead of plim's ${p.ascentStepSize}`);
  if (params.ascentBatchSize !== p.ascentBatchSize) out.push(`GradPC mini-batches of ${params.ascentBatchSize} instead of plim's ${p.ascentBatchSize}`);
  if (params.cleanGradientSamples !== p.cleanGradientSamples) out.push(`ḡ_c averaged over ${params.cleanGradientSamples} clean samples drawn by the seed instead of all of them`);
  return out;
}
