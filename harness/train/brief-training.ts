/**
 * Brief training as a search's selection signal: a cell trained for a few epochs on the training
 * part of a (possibly poisoned) search set and scored by its accuracy on the validation part,
 * against that part's own labels — as a real search would see them. Random search with early
 * stopping scores its candidates this way, RoBoT its queries.
 */
import type { ImageDataset } from '../data/types.js';
import { Rng, deriveSeed } from '../engine/rng.js';
import { canonicalRepresentative } from '../space/canonical.js';
import { genotypeToString, type Nb201Genotype } from '../space/genotype.js';
import { buildNetwork } from '../space/network.js';
import { checkTrainingStepFits, networkStepKey } from './memory-check.js';
import type { TrainingRecipe } from './recipe.js';
import { evaluateModel, trainModel } from './trainer.js';

/** The network trained and how: its size, the recipe, and who trains it (for memory errors). */
export interface BriefTraining {
  channels: number;
  cellsPerStage: number;
  recipe: TrainingRecipe;
  /** Who asks, for error messages: `the RoBoT query`, `the early-stopping candidate`. */
  what: string;
}

/**
 * Trains `genotype` — its canonical representative: ops that cannot reach the output would get no
 * gradient — on `train` and returns its accuracy on `validation`, in percent. Weights and batch
 * order come from `seed`.
 */
export async function briefTrainingAccuracy(genotype: Nb201Genotype, train: ImageDataset, validation: ImageDataset, how: BriefTraining, seed: number): Promise<number> {
  const { channels, cellsPerStage, recipe } = how;
  const network = buildNetwork(
    canonicalRepresentative(genotype),
    { channels, cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses },
    new Rng(deriveSeed(seed, 'weights')),
  );
  try {
    checkTrainingStepFits(network, {
      key: networkStepKey(genotype, channels, cellsPerStage),
      what: `${how.what} ${genotypeToString(genotype)} (C=${channels}, N=${cellsPerStage}, batch ${recipe.batchSize})`,
      batch: recipe.batchSize,
      data: train,
      channels,
      cellsPerStage,
    });
    await trainModel(network, train, recipe, { seed: deriveSeed(seed, 'training') });
    return 100 * (await evaluateModel(network, validation, recipe.evalBatchSize)).accuracy;
  } finally {
    network.dispose();
  }
}
