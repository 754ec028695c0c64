/**
 * Random search with early stopping (Li & Talwalkar 2019's baseline, without successive halving)
 * over a fixed candidate list: the harness's panel — the tier's random-baseline sample, cells drawn
 * uniformly from the NB201 space whose clean accuracies the harness knows. Using those cells as the
 * candidates makes the method's selection signal checkable: the harness correlates the candidates'
 * validation accuracies with their clean accuracies (`panelRankCorrelation`).
 *
 * One search: a random subset of the (possibly poisoned) training set, split (stratified by its
 * possibly poisoned labels) into a training and a validation part; every candidate is trained for a
 * few epochs on the training part and scored by its accuracy on the validation part — poisoned labels
 * included, as a real search would see them. The best-scoring candidate (ties: the earlier one) is
 * returned. All randomness comes from `seed`, which the clean and poisoned arms of a trial share.
 */
import type { ImageDataset } from '../../data/types.js';
import { stratifiedSplit, takeIndices } from '../../data/split.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { genotypeToString, type Nb201Genotype } from '../../space/genotype.js';
import { nb201Recipe, type TrainingRecipe } from '../../train/recipe.js';
import { briefTrainingAccuracy } from '../../train/brief-training.js';
import type { SearchContext, SearchOutcome } from '../types.js';
import type { EarlyStoppingSettings } from './settings.js';

/** The brief-training recipe of the candidates. */
function recipeOf(settings: EarlyStoppingSettings): TrainingRecipe {
  return nb201Recipe(settings.epochs, { name: 'early-stopping', batchSize: settings.batchSize, learningRate: settings.learningRate });
}

/** A candidate's score: its accuracy on `validation` after brief training on `train` (train/brief-training.ts). */
export function scoreCandidate(genotype: Nb201Genotype, train: ImageDataset, validation: ImageDataset, settings: EarlyStoppingSettings, seed: number): Promise<number> {
  const how = { channels: settings.channels, cellsPerStage: settings.cellsPerStage, recipe: recipeOf(settings), what: 'the early-stopping candidate' };
  return briefTrainingAccuracy(genotype, train, validation, how, seed);
}

/** Runs the search on `context.train` over `context.panel`. */
export async function earlyStoppingSearch(context: SearchContext<EarlyStoppingSettings>): Promise<SearchOutcome> {
  const { train, settings, seed, panel } = context;
  if (!panel || panel.length === 0) {
    throw new Error('random-early-stopping: no candidate cells — it searches the panel the harness passes (the random-baseline sample); run it through the harness or pass `panel`');
  }
  const started = performance.now();
  const rng = new Rng(seed).child('random-early-stopping');
  const size = Math.min(train.n, settings.searchSubset ?? train.n);
  const subset = size < train.n ? takeIndices(train, rng.child('subset').permutation(train.n).subarray(0, size)) : train;
  const split = stratifiedSplit(subset, settings.validationFraction, rng.child('split'));

  const scores: number[] = [];
  for (let i = 0; i < panel.length; i++) {
    const score = await scoreCandidate(panel[i]!, split.train, split.validation, settings, deriveSeed(seed, 'candidate', i));
    scores.push(score);
  }
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  const genotype = panel[best]!;
  context.log?.(`random-early-stopping: ${panel.length} candidates trained · best validation accuracy ${scores[best]!.toFixed(1)}% (candidate ${best + 1})`);
  return {
    genotype,
    panelScores: scores,
    diagnostics: {
      searchMs: Math.round(performance.now() - started),
      candidates: panel.length,
      bestValidationAccuracy: scores[best]!,
      bestCandidate: best,
      meanValidationAccuracy: scores.reduce((a, b) => a + b, 0) / scores.length,
      genotype: genotypeToString(genotype),
    },
  };
}
