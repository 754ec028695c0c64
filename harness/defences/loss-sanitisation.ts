/**
 * Loss-based sanitisation: train a model on the suspect training set, compute each sample's loss
 * against its own (possibly poisoned) label, and remove the round(f·n) samples of highest loss.
 * Flipped labels disagree with what the images show, so a model that has learnt the majority
 * (clean) mapping but not yet memorised the exceptions gives them high loss — the "small-loss"
 * rule of noisy-label learning (Arpit et al. 2017, "A closer look at memorization"; Han et al.
 * 2018, co-teaching). Hence a short recipe by default: trained long, the model memorises the
 * flipped labels and their loss falls towards that of the clean ones.
 *
 * The model is trained by content through the store's model cache (its key names the suspect set,
 * the model, the seed and the backend), so a suspect set is modelled once for every NAS method
 * searched on it.
 */
import { classCounts } from '../data/dataset.js';
import { proportionalAllocation } from '../data/split.js';
import type { ImageDataset } from '../data/types.js';
import { deriveSeed } from '../engine/rng.js';
import { settingsSchema } from '../plugins/settings.js';
import { RESNET_CELL, sampleOutputs, surrogateRecipe, trainSurrogate, type SurrogateSpec, type TrainedSurrogate } from '../train/surrogate.js';
import { checkSurrogateSpec, overrideRecipe } from '../plugins/surrogate-settings.js';
import type { TrainingRecipe } from '../train/recipe.js';
import { checkKept } from './effectiveness.js';
import type { Defence, FilterContext, FilterOutcome } from './types.js';

/** The tier's `defences["loss-sanitisation"]` block: every field optional. */
export interface LossSanitisationTierSettings {
  /** Fraction f of the suspect set removed, 0 < f < 1. */
  fraction?: number;
  /** Remove the highest-loss samples of each label class in proportion to its size. */
  perClass?: boolean;
  /** The ranking model; fields left out keep their defaults. */
  model?: { genotype?: string; channels?: number; cellsPerStage?: number; recipe?: Partial<TrainingRecipe> };
}

/** Effective settings: every field filled in (a type, not an interface, so that it is a PluginParams). */
export type LossSanitisationSettings = {
  fraction: number;
  perClass: boolean;
  model: SurrogateSpec;
};

/** Epochs of the default ranking model (see {@link SANITISATION_DEFAULTS}). */
const DEFAULT_EPOCHS = 5;

/**
 * Defaults. f = 0.5: the largest budget of the study (p ∈ {1 %, 10 %, 50 %}), the one at which its
 * NAS advantage collapses, so the one a defence has to answer; a smaller f cannot reach a recall
 * above f/p there. A tier sweeps f to trade clean samples lost against poisons removed.
 *
 * The model: NB201's ResNet cell at C = 8, N = 1 (the smoke tier's evaluation skeleton) with the
 * smoke evaluation recipe's optimiser (SGD Nesterov, lr 0.05 cosine, batch 64), 5 epochs. Measured
 * on the smoke tier's data (2,000 Fashion-MNIST images at 16×16, random label flipping, wasm), the
 * AUC of the loss as a poison detector over 1, 2, 3, 5, 8 epochs was 0.91, 0.98, 0.98, 0.99, 0.98
 * at p = 10 % and 0.78, 0.94, 0.95, 0.96, 0.95 at p = 50 %: 5 epochs fit the clean majority, and
 * past them the flipped labels start to be memorised (the loss ranks them less well).
 */
export const SANITISATION_DEFAULTS: LossSanitisationSettings = Object.freeze({
  fraction: 0.5,
  perClass: false,
  // Frozen all the way down: they are every registry user's defaults (settings() hands out copies).
  model: Object.freeze({
    genotype: RESNET_CELL,
    channels: 8,
    cellsPerStage: 1,
    recipe: Object.freeze(surrogateRecipe('sanitisation', DEFAULT_EPOCHS)),
  }),
});

/** The compiled schema of a `defences["loss-sanitisation"]` block. */
export const SANITISATION_SCHEMA = settingsSchema<LossSanitisationTierSettings>('loss-sanitisation', new URL('./loss-sanitisation.schema.json', import.meta.url));

/**
 * Effective settings from a tier block (undefined or null: the defaults), checked against
 * {@link SANITISATION_SCHEMA}, then the genotype parsed and the recipe validated. Idempotent: its
 * own output passes unchanged, so the filter re-checks the parameters it is given.
 *
 * @throws SettingsError naming each mistake by its JSON path within the block, e.g.
 *   `loss-sanitisation: /fraction must be < 1`
 */
export function lossSanitisationSettings(block: unknown): LossSanitisationSettings {
  if (block === undefined || block === null) return structuredClone(SANITISATION_DEFAULTS);
  const checked = SANITISATION_SCHEMA.check(block);
  const d = SANITISATION_DEFAULTS.model;
  const m = checked.model ?? {};
  const model: SurrogateSpec = {
    genotype: m.genotype ?? d.genotype,
    channels: m.channels ?? d.channels,
    cellsPerStage: m.cellsPerStage ?? d.cellsPerStage,
    recipe: overrideRecipe(d.recipe, m.recipe, 'sanitisation'),
  };
  // Refused here, when the tier loads, rather than by training, after the attack has run.
  checkSurrogateSpec(SANITISATION_SCHEMA, '/model', model);
  return { fraction: checked.fraction ?? SANITISATION_DEFAULTS.fraction, perClass: checked.perClass ?? SANITISATION_DEFAULTS.perClass, model };
}

/** Orders indices by loss, highest first; equal losses: the higher index first (so the lower is kept). */
function byLossDescending(losses: Float32Array): (a: number, b: number) => number {
  return (a, b) => losses[b]! - losses[a]! || b - a;
}

/**
 * Which samples to remove: the `count` of highest loss over the whole set, or with `classes` the
 * highest of each label class, `count` split among classes in proportion to their sizes (largest
 * remainder, ties to the lower class; harness/data/split.ts). Among equal losses the higher index is
 * removed first, i.e. the lower index is kept. Returns both parts as strictly ascending indices.
 *
 * @throws RangeError on a NaN loss (a diverged model ranks nothing) or a count outside [0, n)
 */
export function dropHighestLoss(
  losses: Float32Array,
  count: number,
  classes?: { labels: Int32Array; numClasses: number },
): { kept: Int32Array; dropped: Int32Array } {
  const n = losses.length;
  if (!Number.isInteger(count) || count < 0 || count >= n) throw new RangeError(`dropHighestLoss: cannot remove ${count} of ${n} samples (0 ≤ count < n)`);
  const nan = losses.findIndex((l) => Number.isNaN(l));
  if (nan >= 0) throw new RangeError(`dropHighestLoss: the loss of sample ${nan} is NaN; the model diverged`);
  const order = byLossDescending(losses);
  const drop = new Uint8Array(n);
  if (classes === undefined) {
    const ranked = Array.from({ length: n }, (_, i) => i).sort(order);
    for (let k = 0; k < count; k++) drop[ranked[k]!] = 1;
  } else {
    const quota = proportionalAllocation(classCounts(classes.labels, classes.numClasses), count);
    const members: number[][] = Array.from({ length: classes.numClasses }, () => []);
    classes.labels.forEach((y, i) => members[y]!.push(i));
    members.forEach((list, c) => {
      list.sort(order);
      for (let k = 0; k < quota[c]!; k++) drop[list[k]!] = 1;
    });
  }
  const kept = new Int32Array(n - count);
  const dropped = new Int32Array(count);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (drop[i] === 1) dropped[b++] = i;
    else kept[a++] = i;
  }
  return { kept, dropped };
}

/** Seed of the ranking model of a filtering seeded `seed`. */
export function sanitisationModelSeed(seed: number): number {
  return deriveSeed(seed, 'sanitisation-model');
}

/**
 * The ranking model of `suspect` (from the context's model cache when it holds it). The caller
 * disposes `network`.
 */
export function trainSanitisationModel(
  suspect: ImageDataset,
  settings: LossSanitisationSettings,
  context: Pick<FilterContext, 'seed' | 'backend' | 'models' | 'log'>,
): Promise<TrainedSurrogate> {
  return trainSurrogate(suspect, settings.model, {
    seed: sanitisationModelSeed(context.seed),
    backend: context.backend,
    ...(context.models !== undefined ? { cache: context.models } : {}),
    ...(context.log !== undefined ? { log: context.log } : {}),
    what: 'the loss-sanitisation model',
  });
}

function mean(values: Float32Array, indices: Int32Array): number | null {
  if (indices.length === 0) return null;
  let sum = 0;
  for (const i of indices) sum += values[i]!;
  return sum / indices.length;
}

/** Share of samples whose most probable class is their own label (how well the model fits the suspect set). */
function fitAccuracy(probabilities: Float32Array, labels: Int32Array, classes: number): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c]! > probabilities[i * classes + best]!) best = c;
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}

/** Loss-based sanitisation (see the module comment). */
export const lossSanitisation: Defence = {
  name: 'loss-sanitisation',
  description: 'loss-based sanitisation: removes the fraction f of highest-loss samples under a model trained on the suspect set',
  params: SANITISATION_DEFAULTS,
  settings: lossSanitisationSettings,
  // The study's code only has a "retain these indices" hook: the rule is this harness's.
  deviations: (params) => {
    const { fraction, perClass, model } = lossSanitisationSettings(params);
    return [
      `rule of this harness (the study publishes none): a model trained on the suspect set ranks every sample by its loss against its own (possibly poisoned) label; the round(f·n) highest-loss samples are removed${perClass ? ', per label class in proportion to its size' : ''}, f = ${fraction}`,
      `model: ${model.genotype} (C = ${model.channels}, N = ${model.cellsPerStage}, ${model.recipe.epochs} epochs of ${model.recipe.name})`,
    ];
  },
  async filter(suspect, context): Promise<FilterOutcome> {
    // The effective parameters pass again (idempotent): a spec's override may not have been checked.
    const settings = lossSanitisationSettings(context.params);
    const count = Math.round(settings.fraction * suspect.n);
    if (count >= suspect.n) throw new RangeError(`loss-sanitisation: fraction ${settings.fraction} of ${suspect.n} samples removes all of them`);
    const model = await trainSanitisationModel(suspect, settings, context);
    try {
      const outputs = await sampleOutputs(model.network, suspect, settings.model.recipe.evalBatchSize);
      const { kept, dropped } = dropHighestLoss(outputs.losses, count, settings.perClass ? { labels: suspect.labels, numClasses: suspect.numClasses } : undefined);
      // The lowest loss removed (with perClass, the lowest over the classes' own thresholds).
      let threshold: number | null = null;
      for (const i of dropped) threshold = threshold === null ? outputs.losses[i]! : Math.min(threshold, outputs.losses[i]!);
      return {
        kept: checkKept(kept, suspect.n, 'loss-sanitisation'),
        diagnostics: {
          removed: dropped.length,
          lossThreshold: threshold,
          meanLossKept: mean(outputs.losses, kept),
          meanLossDropped: mean(outputs.losses, dropped),
          fitAccuracy: fitAccuracy(outputs.probabilities, suspect.labels, outputs.classes),
          modelTrainMs: model.trainMs,
          modelCached: model.cached,
          modelKey: model.key,
        },
      };
    } finally {
      model.network.dispose();
    }
  },
};
