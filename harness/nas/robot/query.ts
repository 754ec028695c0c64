/**
 * One RoBoT query: a cell trained briefly on the training part of the (possibly poisoned) search
 * set and scored by its accuracy on the validation part — the study's `train()` + `infer()`.
 * Brief training (train/brief-training.ts) with RoBoT's own recipe (final learning rate, plain
 * momentum, weight decay 3e-4).
 */
import type { ImageDataset } from '../../data/types.js';
import type { Nb201Genotype } from '../../space/genotype.js';
import { validateRecipe, type TrainingRecipe } from '../../train/recipe.js';
import { briefTrainingAccuracy } from '../../train/brief-training.js';
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
 * Trains `genotype` briefly on `train` and returns its accuracy on `validation` against that split's
 * own, possibly poisoned, labels, in percent. Weights and batch order come from `seed`.
 */
export function queryCell(genotype: Nb201Genotype, train: ImageDataset, validation: ImageDataset, s: RobotSettings, seed: number): Promise<number> {
  return briefTrainingAccuracy(genotype, train, validation, { channels: s.channels, cellsPerStage: s.cellsPerStage, recipe: queryRecipe(s), what: 'the RoBoT query' }, seed);
}
