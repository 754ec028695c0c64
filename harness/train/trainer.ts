/**
 * Trains a network with a {@link TrainingRecipe} and evaluates it. Deterministic for a given seed
 * and backend: batch order comes from the seeded Rng, weights from the network's own Rng.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/types.js';
import type { ForwardContext } from '../engine/nn.js';
import { Rng } from '../engine/rng.js';
import { batchRanges, gatherBatch } from './batches.js';
import { learningRateAt, type TrainingRecipe } from './recipe.js';
import { Sgd, globalGradientScale } from './sgd.js';

/** Anything with trainable weights and a forward pass producing logits. */
export interface Trainable {
  readonly params: { readonly weights: tf.Variable[] };
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  meanLoss: number;
  learningRate: number;
  elapsedMs: number;
}

export interface TrainOptions {
  seed: number;
  onEpoch?: (report: EpochReport) => void;
}

export interface TrainResult {
  finalLoss: number;
  steps: number;
  trainMs: number;
}

/** Mean softmax cross-entropy of logits against one-hot labels. */
export function crossEntropy(onehot: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
}

/** Trains `model` on `train` following `recipe`. */
export function trainModel(model: Trainable, train: ImageDataset, recipe: TrainingRecipe, options: TrainOptions): TrainResult {
  const rng = new Rng(options.seed).child('batch-order');
  const optimizer = new Sgd(recipe);
  const weights = model.params.weights;
  const ranges = batchRanges(train.n, recipe.batchSize);
  const totalSteps = recipe.epochs * ranges.length;
  const started = performance.now();
  let step = 0;
  let lastLoss = NaN;
  try {
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const order = rng.permutation(train.n);
      let lossSum = 0;
      for (const [start, end] of ranges) {
        const lr = learningRateAt(recipe, step, totalSteps);
        const batch = gatherBatch(train, order, start, end);
        const loss = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => crossEntropy(batch.y, model.forward(batch.x, { training: true })), weights);
          const byVariable = new Map(weights.map((v) => [v, grads[v.name]!] as [tf.Variable, tf.Tensor]));
          const { scale } = recipe.gradientClipNorm > 0 ? globalGradientScale(byVariable.values(), recipe.gradientClipNorm) : { scale: 1 };
          optimizer.step(weights, byVariable, lr, scale);
          return value.dataSync()[0]!;
        });
        tf.dispose([batch.x, batch.y]);
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch + 1}, step ${step + 1}`);
        lossSum += loss;
        lastLoss = loss;
        step++;
      }
      options.onEpoch?.({
        epoch: epoch + 1,
        epochs: recipe.epochs,
        meanLoss: lossSum / ranges.length,
        learningRate: learningRateAt(recipe, step, totalSteps),
        elapsedMs: performance.now() - started,
      });
    }
  } finally {
    optimizer.dispose();
  }
  return { finalLoss: lastLoss, steps: step, trainMs: performance.now() - started };
}

export interface EvaluationResult {
  /** Fraction correct in [0, 1]. */
  accuracy: number;
  correct: number;
  total: number;
  meanLoss: number;
}

/** Evaluates `model` in eval mode (batch norm on running statistics). */
export function evaluateModel(model: Trainable, test: ImageDataset, batchSize: number): EvaluationResult {
  const all = new Int32Array(test.n).map((_, i) => i);
  let correct = 0;
  let lossSum = 0;
  for (const [start, end] of batchRanges(test.n, batchSize, 1)) {
    const batch = gatherBatch(test, all, start, end);
    const [predicted, loss] = tf.tidy(() => {
      const logits = model.forward(batch.x, { training: false });
      const lossValue = tf.losses.softmaxCrossEntropy(batch.y, logits, undefined, undefined, tf.Reduction.SUM);
      return [tf.argMax(logits, 1).dataSync(), lossValue.dataSync()[0]!] as const;
    });
    tf.dispose([batch.x, batch.y]);
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === batch.labels[i]) correct++;
    lossSum += loss;
  }
  return { accuracy: correct / test.n, correct, total: test.n, meanLoss: lossSum / test.n };
}
