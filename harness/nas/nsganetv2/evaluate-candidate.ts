/**
 * NSGANetV2's high-fidelity evaluation of one candidate (evaluator.py in the reference): the cell
 * inherits the supernet's weights, its batch-norm running statistics are reset on training images,
 * it is fine-tuned briefly on the training split and validated on the validation split — both
 * splits of the (possibly poisoned) search set, so the error is measured against possibly poisoned
 * labels, as the study's search saw it.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types.js';
import { takeIndices } from '../../data/split.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { genotypeToString, type Nb201Genotype } from '../../space/genotype.js';
import type { SinglePathSupernet } from '../../space/single-path-supernet.js';
import { batchRanges, gatherBatch } from '../../train/batches.js';
import { checkTrainingStepFits, networkStepKey } from '../../train/memory-check.js';
import type { TrainingRecipe } from '../../train/recipe.js';
import { evaluateModel, trainModel } from '../../train/trainer.js';
import type { Nsganetv2Settings } from './settings.js';

/**
 * Momentum of every batch-norm layer's running statistics (engine/nn.ts's default, PyTorch's
 * convention): {@link calibrateBatchNorm} undoes its bias. A test checks the two agree.
 */
export const BN_MOMENTUM = 0.1;

/**
 * Replaces the running statistics of every batch norm of `network` by those of `images`: the
 * statistics are zeroed, one training-mode forward pass runs per batch (no gradients), and the
 * resulting exponential average is divided by 1 − (1 − m)^K, so that it weighs K batches' statistics
 * with weights summing to 1 (bias correction, as Adam's). The reference resets them the same way
 * in spirit (OFA's set_running_statistics, a cumulative average over 2000 training images).
 */
export function calibrateBatchNorm(network: SinglePathSupernet, images: ImageDataset, batchSize: number): void {
  const state = network.params.state;
  if (state.length === 0 || images.n === 0) return;
  for (const v of state) v.assign(tf.zerosLike(v));
  const all = new Int32Array(images.n).map((_, i) => i);
  const ranges = batchRanges(images.n, batchSize);
  for (const [start, end] of ranges) {
    const batch = gatherBatch(images, all, start, end);
    try {
      tf.tidy(() => {
        network.forward(batch.x, { training: true });
      });
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
  }
  const correction = 1 / (1 - (1 - BN_MOMENTUM) ** ranges.length);
  tf.tidy(() => {
    for (const v of state) v.assign(tf.mul(v, correction));
  });
}

/** The fine-tuning recipe: SGD Nesterov 0.9, cosine to 0, no clipping (OFA's CIFAR run config). */
export function fineTuneRecipe(s: Nsganetv2Settings): TrainingRecipe {
  return {
    name: 'nsganetv2-fine-tune',
    epochs: Math.max(1, Math.round(s.fineTuneEpochs)),
    batchSize: s.fineTuneBatchSize,
    learningRate: s.fineTuneLearningRate,
    minLearningRate: 0,
    schedule: 'cosine',
    momentum: 0.9,
    nesterov: true,
    weightDecay: s.fineTuneWeightDecay,
    gradientClipNorm: 0,
    evalBatchSize: 500,
  };
}

/** The two splits a candidate is fine-tuned and validated on. */
export interface CandidateData {
  train: ImageDataset;
  validation: ImageDataset;
}

/**
 * Validation error (%) of `genotype` after inheriting `supernet`'s weights, BN recalibration and
 * fine-tuning. `seed` drives the calibration images, the fine-tuning subset (for a fraction of an
 * epoch) and the batch order. The supernet is not changed.
 */
export async function evaluateCandidate(supernet: SinglePathSupernet, genotype: Nb201Genotype, data: CandidateData, s: Nsganetv2Settings, seed: number): Promise<number> {
  const network = supernet.extract(genotype);
  try {
    const rng = new Rng(seed);
    checkTrainingStepFits(network, {
      key: networkStepKey(network.path, s.channels, s.cellsPerStage),
      what: `the NSGANetV2 candidate ${genotypeToString(genotype)} (C=${s.channels}, N=${s.cellsPerStage}, batch ${s.fineTuneBatchSize})`,
      batch: s.fineTuneBatchSize,
      data: data.train,
      channels: s.channels,
      cellsPerStage: s.cellsPerStage,
    });
    if (s.bnCalibrationImages > 0) {
      const count = Math.min(s.bnCalibrationImages, data.train.n);
      const images = takeIndices(data.train, rng.child('bn-calibration').permutation(data.train.n).subarray(0, count));
      calibrateBatchNorm(network, images, s.fineTuneBatchSize);
    }
    const fraction = s.fineTuneEpochs < 1 ? s.fineTuneEpochs : 1;
    const tuneSet =
      fraction < 1
        ? takeIndices(data.train, rng.child('fine-tune-subset').permutation(data.train.n).subarray(0, Math.max(2, Math.round(fraction * data.train.n))))
        : data.train;
    await trainModel(network, tuneSet, fineTuneRecipe(s), { seed: deriveSeed(seed, 'fine-tune') });
    const { accuracy } = await evaluateModel(network, data.validation, 500);
    return 100 * (1 - accuracy);
  } finally {
    network.dispose();
  }
}
