/**
 * One RoBoT query: a cell trained briefly on the training part of the (possibly poisoned) search
 * set and scored by its accuracy on the validation part — the study's `train()` + `infer()`.
 * The same shape as random-early-stopping's `scoreCandidate`, with RoBoT's own recipe (final
 * learning rate, plain momentum, weight decay 3e-4), which that helper does not take.
 */
import type { ImageDataset } from '../../data/types.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { canonicalRepresentative } from '../../space/canonical.js';
import { genotypeToString, type Nb201Genotype } from '../../space/genotype.js';
import { buildNetwork } from '../../space/network.js';
import { checkTrainingStepFits, networkStepKey } from '../../train/memory-check.js';
import { validateRecipe, type TrainingRecipe } from '../../train/recipe.js';
import { evaluateModel, trainModel } from '../../train/trainer.js';
import type { RobotSettings } from './settings.js';

/** The brief-training recipe of a query. */
export function queryRecipe(s: RobotSettings): TrainingRecipe {
  return validateRecipe({
    name: `robot-query-${s.epochs}ep`,
    epochs: s.epochs,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    minLearningRate: s.minLearningRate,
    schedule: 'cosine',
    momentum: s.momentum,
    nesterov: s.nesterov,
    weightDecay: s.weightDecay,
    gradientClipNorm: s.gradientClipNorm,
    evalBatchSize: 500,
  });
}

/**
 * Trains `genotype` (its canonical representative: ops that cannot reach the output would get no
 * gradient) briefly on `train` and returns its accuracy on `validation` against that split's own,
 * possibly poisoned, labels, in percent. Weights and batch order come from `seed`.
 */
export async function queryCell(genotype: Nb201Genotype, train: ImageDataset, validation: ImageDataset, s: RobotSettings, seed: number): Promise<number> {
  const network = buildNetwork(
    canonicalRepresentative(genotype),
    { channels: s.channels, cellsPerStage: s.cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses },
    new Rng(deriveSeed(seed, 'weights')),
  );
  try {
    checkTrainingStepFits(network, {
      key: networkStepKey(genotype, s.channels, s.cellsPerStage),
      what: `the RoBoT query ${genotypeToString(genotype)} (C=${s.channels}, N=${s.cellsPerStage}, batch ${s.batchSize})`,
      batch: s.batchSize,
      data: train,
      channels: s.channels,
      cellsPerStage: s.cellsPerStage,
    });
    await trainModel(network, train, queryRecipe(s), { seed: deriveSeed(seed, 'training') });
    return 100 * (await evaluateModel(network, validation, 500)).accuracy;
  } finally {
    network.dispose();
  }
}
