/**
 * Gradient canceling tailored to NAS (`gradient-canceling-nas`): the study's variant that targets a
 * differentiable search's **architecture parameters** α instead of a network's weights. θ = α of a
 * P-DARTS first-stage supernet (NB201 space, all five ops on every edge, non-affine batch norm as
 * P-DARTS) whose weights are warmed up on the clean training set (weights only, α at its DARTS
 * initialisation, as P-DARTS's warm-up epochs); the GradPC target α_t is one epoch of normalised
 * gradient ascent on the training loss with respect to α, ‖α_t − α₀‖₂ ≤ ε; the perturbations then
 * minimise ‖(1 − p)·∇_α L_clean + p·∇_α L_poison(δ)‖² at α_t (canceling.ts), so that the poisoned
 * set's architecture gradient vanishes at an architecture the attacker chose by ascent.
 *
 * The study does not publish this variant's settings; the defaults below are the GC ones (δ ball,
 * Adam, iterations) and an absolute ε = 1 on α (α has 30 entries: a size-scaled ε as for a victim's
 * weights would be meaningless). The warm-up follows the smoke tier's P-DARTS weight optimiser.
 * Gradients are taken with batch norm in evaluation mode (the warm-up's running statistics).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { datasetContentHash, type ImageDataset } from '../../data/types.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { settingsSchema } from '../../plugins/settings.js';
import { genotypeToString } from '../../space/genotype.js';
import { buildSupernet, type Supernet } from '../../space/supernet.js';
import { restoreVariables, serialiseVariables, type ModelCache, type SerialisedVariables } from '../../train/model-cache.js';
import { checkRecipe, overrideRecipe } from '../../plugins/surrogate-settings.js';
import type { TrainingRecipe } from '../../train/recipe.js';
import { trainModel } from '../../train/trainer.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { checkBudget, poisonCount } from '../poison.js';
import type { Attack, CraftContext, PerturbationBound, PluginParams, PoisonArtifact } from '../types.js';
import { cancelingPoison, chooseSamples } from './canceling.js';
import { gradPcAscent, meanLoss } from './gradpc.js';
import { cancelingFields, GC_PUBLISHED, type CancelingFields } from './settings.js';

/** The attack's name in the registry and in tier blocks. */
export const GC_NAS_NAME = 'gradient-canceling-nas';

/** The supernet whose α is targeted, and its warm-up. */
export type GcNasSupernet = {
  channels: number;
  cellsPerStage: number;
  /** Weight training on the clean set (α untouched). */
  recipe: TrainingRecipe;
};

/**
 * Effective parameters of the NAS-tailored variant: gradient canceling's shared fields (ε here the
 * L2 radius of ‖α_t − α₀‖₂, absolute) and the supernet whose α is targeted.
 */
export type GcNasParams = CancelingFields & { supernet: GcNasSupernet };

/** A tier's `attacks["gradient-canceling-nas"]` block: every field optional. */
export interface GcNasTierSettings {
  epsilon?: number;
  ascentStepSize?: number;
  ascentBatchSize?: number;
  linfRadius?: number;
  learningRate?: number;
  iterations?: number;
  cleanGradientSamples?: number | null;
  chunkSize?: number;
  supernet?: { channels?: number; cellsPerStage?: number; recipe?: Partial<TrainingRecipe> };
}

/**
 * The default warm-up: the smoke tier's P-DARTS weight optimiser (SGD 0.9, lr 0.025 → 0.001
 * cosine, wd 3e-4, batch 64, clip 5) for 2 epochs over the whole clean training set.
 */
export const GC_NAS_DEFAULT_RECIPE: Readonly<TrainingRecipe> = Object.freeze({
  name: 'gc-nas-warmup-2ep',
  epochs: 2,
  batchSize: 64,
  learningRate: 0.025,
  minLearningRate: 0.001,
  schedule: 'cosine',
  momentum: 0.9,
  nesterov: false,
  weightDecay: 3e-4,
  gradientClipNorm: 5,
  evalBatchSize: 500,
});

/** Defaults: GC's published values with an absolute ε on α; a C = 8, N = 1 supernet. */
export const GC_NAS_DEFAULTS: Readonly<GcNasParams> = Object.freeze({
  epsilon: GC_PUBLISHED.epsilon,
  ascentStepSize: GC_PUBLISHED.ascentStepSize,
  ascentBatchSize: GC_PUBLISHED.ascentBatchSize,
  linfRadius: GC_PUBLISHED.linfRadius,
  learningRate: GC_PUBLISHED.learningRate,
  iterations: GC_PUBLISHED.iterations,
  cleanGradientSamples: GC_PUBLISHED.cleanGradientSamples,
  chunkSize: 100,
  supernet: Object.freeze({ channels: 8, cellsPerStage: 1, recipe: GC_NAS_DEFAULT_RECIPE }),
});

/**
 * The smoke tier's block (for harness/run/tiers/smoke.json's `attacks`): 2 Adam iterations instead
 * of 100. Measured with `smoke-timing.ts --attack gradient-canceling-nas` (2000 Fashion-MNIST images
 * at 16×16, wasm, 2 shared cores): the warm-up takes ~30 s once per seed, the GradPC ascent on α
 * ~17 s per poison, one iteration over 1000 points ~22 s (second order through every op of the
 * supernet); p = 0.5 crafts in 75 s with the supernet cached (cos(ḡ_c, g_p) 0.999 → 0.954,
 * objective 0.80 → 0.45), p = 0.01 in ~14 s (0.98 → 0.89).
 */
export const GC_NAS_SMOKE_SETTINGS: Readonly<GcNasTierSettings> = Object.freeze({ iterations: 2 });

/** The GC schema's fields, without its victim (a supernet instead) and its ε scaling. */
function nasSchema(): Record<string, unknown> {
  const base = JSON.parse(readFileSync(new URL('./settings.schema.json', import.meta.url), 'utf8')) as { properties: Record<string, { properties?: Record<string, unknown> }> } & Record<string, unknown>;
  const { victim, epsilonReference: _unused, ...properties } = base.properties;
  const recipe = victim!.properties!['recipe'];
  return {
    ...base,
    title: 'gradient-canceling-nas settings: the tier\'s attacks["gradient-canceling-nas"] block',
    description: 'Gradient canceling on a P-DARTS supernet\'s architecture parameters (harness/attacks/gradient-canceling/nas.ts); every field optional, defaults in GC_NAS_DEFAULTS.',
    properties: {
      ...properties,
      epsilon: { description: 'GradPC: L2 radius of the architecture parameters\' shift ‖α_t − α₀‖₂ (absolute).', type: 'number', exclusiveMinimum: 0 },
      supernet: {
        description: 'The P-DARTS first-stage supernet whose α is targeted (all five ops per edge) and its weight warm-up on the clean set.',
        type: 'object',
        additionalProperties: false,
        properties: {
          channels: { type: 'integer', minimum: 1 },
          cellsPerStage: { type: 'integer', minimum: 1 },
          recipe,
        },
      },
    },
  };
}

/** The compiled schema of an `attacks["gradient-canceling-nas"]` block. */
export const GC_NAS_SCHEMA = settingsSchema<GcNasTierSettings>(GC_NAS_NAME, nasSchema());

/**
 * Effective parameters from a tier block (undefined or null: {@link GC_NAS_DEFAULTS}).
 *
 * @throws SettingsError naming each bad field by its path
 */
export function gcNasSettings(block: unknown): GcNasParams {
  const d = GC_NAS_DEFAULTS;
  if (block === undefined || block === null) return { ...d, supernet: { ...d.supernet, recipe: { ...d.supernet.recipe } } };
  const given = GC_NAS_SCHEMA.check(block);
  const givenSupernet = given.supernet ?? {};
  const recipe = overrideRecipe(d.supernet.recipe, givenSupernet.recipe, 'gc-nas-warmup');
  const params: GcNasParams = { ...cancelingFields(given, d, GC_NAS_SCHEMA), supernet: { ...d.supernet, ...givenSupernet, recipe } };
  for (const [field, value] of Object.entries(recipe)) {
    if (typeof value === 'number' && !Number.isFinite(value)) GC_NAS_SCHEMA.fail(`/supernet/recipe/${field}`, `must be a finite number, got ${value}`);
  }
  checkRecipe(GC_NAS_SCHEMA, '/supernet/recipe', recipe);
  return params;
}

/** Each way `params` departs from what the study describes (its settings for this variant are not published). */
export function gcNasDeviations(params: GcNasParams): string[] {
  const p = GC_PUBLISHED;
  const out = [
    `θ = α of a P-DARTS first-stage supernet (NB201 space, C = ${params.supernet.channels}, N = ${params.supernet.cellsPerStage}, five ops per edge) whose weights are warmed up ${params.supernet.recipe.epochs} epochs on the whole clean training set; the study's settings for its NAS-tailored variant are not published`,
    'gradients taken with batch norm in evaluation mode (the warm-up\'s running statistics) and on the whole training set, not P-DARTS\'s validation half',
    `ε is absolute on α (${params.epsilon})`,
  ];
  if (params.iterations !== p.iterations) out.push(`${params.iterations} Adam iteration${params.iterations === 1 ? '' : 's'} instead of ${p.iterations}`);
  if (params.learningRate !== p.learningRate) out.push(`Adam learning rate ${params.learningRate} instead of ${p.learningRate}`);
  if (params.linfRadius !== p.linfRadius) out.push(`L∞ radius ${params.linfRadius} instead of 16/255`);
  if (params.cleanGradientSamples !== p.cleanGradientSamples) out.push(`ḡ_c averaged over ${params.cleanGradientSamples} clean samples drawn by the seed instead of all of them`);
  return out;
}

/** The warmed-up supernet, from `cache` when it holds it. The caller disposes it. */
export async function warmSupernet(
  train: ImageDataset,
  spec: GcNasSupernet,
  options: { seed: number; backend: string; cache?: ModelCache; log?: (message: string) => void },
): Promise<{ supernet: Supernet; cached: boolean; key: string }> {
  const key = createHash('sha256')
    .update(canonicalJson({ v: 1, what: 'gc-nas-supernet', data: datasetContentHash(train), spec, seed: options.seed, backend: options.backend }))
    .digest('hex');
  // In a scope: buildSupernet leaves each α's initial tensor behind (tf.variable shares its data
  // but does not take ownership), one per edge; the scope frees them, the variables stay.
  tf.engine().startScope();
  let supernet: Supernet;
  try {
    supernet = buildSupernet(
      { channels: spec.channels, cellsPerStage: spec.cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses, affine: false },
      new Rng(deriveSeed(options.seed, 'supernet')),
    );
  } finally {
    tf.engine().endScope();
  }
  // α is drawn at build time from the seed, so only the weights and running statistics are cached.
  const variables = [...supernet.params.weights, ...supernet.params.state];
  try {
    const hit = options.cache?.get(key);
    if (hit !== undefined) {
      restoreVariables(variables, JSON.parse(hit) as SerialisedVariables, tf, `the ${GC_NAS_NAME} supernet (${key.slice(0, 12)})`);
      return { supernet, cached: true, key };
    }
    options.log?.(`${GC_NAS_NAME}: warming up the supernet (C=${spec.channels}, N=${spec.cellsPerStage}, ${spec.recipe.epochs} epochs) on ${train.n} images`);
    const result = await trainModel(supernet, train, spec.recipe, { seed: deriveSeed(options.seed, 'warm-up') });
    options.cache?.put(key, JSON.stringify(await serialiseVariables(variables)), { what: `the ${GC_NAS_NAME} supernet`, finalLoss: result.finalLoss });
    return { supernet, cached: false, key };
  } catch (error) {
    supernet.dispose();
    throw error;
  }
}

/** Crafts the poison (see the module comment). */
async function craft(train: ImageDataset, budget: number, context: CraftContext): Promise<PoisonArtifact> {
  const started = performance.now();
  checkBudget(budget, GC_NAS_NAME);
  const params = gcNasSettings(context.params ?? undefined);
  const log = context.log;
  const n = train.n;
  const k = poisonCount(budget, n);
  if (k >= n) throw new Error(`${GC_NAS_NAME}: budget ${budget} poisons all ${n} samples of ${train.name}; no clean gradient is left to cancel`);
  const rng = new Rng(context.seed).child(GC_NAS_NAME);
  const { indices, clean } = chooseSamples(n, k, params.cleanGradientSamples, rng);
  const { supernet, cached } = await warmSupernet(train, params.supernet, {
    seed: deriveSeed(context.seed, 'gc-nas-supernet'),
    backend: context.backend,
    ...(context.models !== undefined ? { cache: context.models } : {}),
    ...(log !== undefined ? { log } : {}),
  });
  try {
    const alphas = supernet.archParameters();
    const evalBatch = params.supernet.recipe.evalBatchSize;
    const warmLoss = await meanLoss(supernet, train, evalBatch);
    const ascent = await gradPcAscent(supernet, train, { epsilon: params.epsilon, stepSize: params.ascentStepSize, batchSize: params.ascentBatchSize, seed: rng.child('gradpc').seed, parameters: alphas });
    const targetLoss = await meanLoss(supernet, train, evalBatch);
    const targetGenotype = genotypeToString(await supernet.derive());
    log?.(`${GC_NAS_NAME}: GradPC target on α: ‖Δα‖₂ = ${ascent.targetShift.toPrecision(4)}; training loss ${warmLoss.toPrecision(4)} → ${targetLoss.toPrecision(4)}; target cell ${targetGenotype}`);
    return await cancelingPoison(supernet, alphas, train, budget, { indices, clean }, {
      attack: GC_NAS_NAME,
      params,
      started,
      diagnostics: { targetShift: ascent.targetShift, targetGenotype, supernetLoss: warmLoss, targetLoss, supernetCached: cached },
      ...(log !== undefined ? { log } : {}),
    });
  } finally {
    supernet.dispose();
  }
}

/** The NAS-tailored gradient-canceling attack plugin (P-DARTS architecture parameters). */
export const gradientCancelingNas: Attack = {
  name: GC_NAS_NAME,
  description: 'gradient canceling tailored to NAS: L∞-bounded image perturbations of round(p·n) uniform samples, labels kept, optimised so their architecture gradient cancels the clean one at a GradPC target of a clean-warmed P-DARTS supernet\'s α',
  kind: 'feature',
  params: GC_NAS_DEFAULTS,
  settings: (block: unknown): PluginParams => gcNasSettings(block),
  perturbationBound: (params: PluginParams): PerturbationBound => ({ norm: 'linf', radius: gcNasSettings(params).linfRadius }),
  deviations: (params: PluginParams): string[] => gcNasDeviations(gcNasSettings(params)),
  craft,
};
