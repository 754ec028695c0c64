/**
 * Gradient canceling (GC; Lu, Kamath & Yu, ICML 2023, code watml/plim), the study's model-targeted
 * feature attack:
 *
 * 1. A victim θ₀ is trained on the clean training set (an NB201 network of the ResNet cell, cached
 *    by content) and moved to the GradPC target θ_t ({@link gradPcAscent}).
 * 2. round(p·n) indices are drawn uniformly by the seed; their images get perturbations δ (labels
 *    kept, ‖δ‖∞ ≤ linfRadius, x + δ in [0, 1]) optimised by Adam to minimise
 *    ‖(1 − p)·ḡ_c + p·g_p(δ)‖², ḡ_c the mean clean gradient at θ_t over the samples not poisoned
 *    and g_p the mean gradient over the poisoned ones (objective.ts: exact second-order gradient,
 *    chunked). A poison that cancels the clean gradient makes θ_t a stationary point of training on
 *    the poisoned set; success shows as cos(ḡ_c, g_p) → −1.
 *
 * @module
 */
import type { ImageDataset } from '../../data/types.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { trainSurrogate } from '../../train/surrogate.js';
import { checkBudget, poisonCount } from '../poison.js';
import type { Attack, CraftContext, PerturbationBound, PluginParams, PoisonArtifact } from '../types.js';
import { gradPcAscent, meanLoss } from './gradpc.js';
import { cancelingPoison, chooseSamples } from './canceling.js';
import { GC_DEFAULTS, GC_NAME, gcDeviations, gcSettings, type GcParams } from './settings.js';

export { gcDeviations, gcSettings, GC_DEFAULTS, GC_PUBLISHED, GC_SCHEMA, GC_SMOKE_SETTINGS, RESNET18_PARAMETERS, type GcParams, type GcTierSettings } from './settings.js';
export { gradientCancelingNas, gcNasDeviations, gcNasSettings, warmSupernet, GC_NAS_DEFAULTS, GC_NAS_SMOKE_SETTINGS, GC_NAS_NAME, GC_NAS_SCHEMA, type GcNasParams, type GcNasSupernet, type GcNasTierSettings } from './nas.js';
export { gradPcAscent, meanLoss, type GradPcOptions, type GradPcResult } from './gradpc.js';
export { cancelGradient, chooseSamples, meanGradient, PERTURBATION_ADAM, type CancelingOptions, type CancelingResult } from './canceling.js';
export { cancelingGradients, cancelingState, chunkInputGradient, summedGradient, summedLoss, type CancelingState, type GcNetwork, type PoisonChunk } from './objective.js';

/** Crafts the gradient-canceling poison (see the module comment). */
async function craft(train: ImageDataset, budget: number, context: CraftContext): Promise<PoisonArtifact> {
  const started = performance.now();
  checkBudget(budget, GC_NAME);
  const params: GcParams = gcSettings(context.params ?? undefined);
  const log = context.log;
  const n = train.n;
  const k = poisonCount(budget, n);
  if (k >= n) throw new Error(`${GC_NAME}: budget ${budget} poisons all ${n} samples of ${train.name}; no clean gradient is left to cancel`);
  const rng = new Rng(context.seed).child(GC_NAME);
  const { indices, clean } = chooseSamples(n, k, params.cleanGradientSamples, rng);

  const victim = await trainSurrogate(train, params.victim, {
    seed: deriveSeed(context.seed, 'gc-victim'),
    backend: context.backend,
    ...(context.models !== undefined ? { cache: context.models } : {}),
    what: 'the gradient-canceling victim',
    ...(log !== undefined ? { log } : {}),
  });
  const network = victim.network;
  try {
    // Stage 1: the GradPC target θ_t.
    const evalBatch = params.victim.recipe.evalBatchSize;
    const victimLoss = await meanLoss(network, train, evalBatch);
    const parameters = network.params.parameterCount();
    const radius = params.epsilonReference === null ? params.epsilon : params.epsilon * Math.sqrt(parameters / params.epsilonReference);
    const ascent = await gradPcAscent(network, train, { epsilon: radius, stepSize: params.ascentStepSize, batchSize: params.ascentBatchSize, seed: rng.child('gradpc').seed });
    const targetLoss = await meanLoss(network, train, evalBatch);
    log?.(`${GC_NAME}: GradPC target ‖Δ‖₂ = ${ascent.targetShift.toPrecision(4)} (radius ${radius.toPrecision(4)} from ε = ${params.epsilon}, ${parameters} parameters); training loss ${victimLoss.toPrecision(4)} → ${targetLoss.toPrecision(4)}`);

    // Stage 2: the perturbations.
    return await cancelingPoison(network, network.params.weights, train, budget, { indices, clean }, {
      attack: GC_NAME,
      params,
      started,
      diagnostics: { targetShift: ascent.targetShift, targetRadius: radius, victimParameters: parameters, victimLoss, targetLoss, victimCached: victim.cached },
      ...(log !== undefined ? { log } : {}),
    });
  } finally {
    network.dispose();
  }
}

/** The gradient-canceling attack plugin. */
export const gradientCanceling: Attack = {
  name: GC_NAME,
  description: 'gradient canceling (Lu, Kamath & Yu 2023): L∞-bounded image perturbations of round(p·n) uniform samples, labels kept, optimised so their gradient cancels the clean gradient at a GradPC target of a clean-trained victim',
  kind: 'feature',
  params: GC_DEFAULTS,
  settings: (block: unknown): PluginParams => gcSettings(block),
  perturbationBound: (params: PluginParams): PerturbationBound => ({ norm: 'linf', radius: gcSettings(params).linfRadius }),
  deviations: (params: PluginParams): string[] => gcDeviations(gcSettings(params)),
  craft,
};
