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

/**
 * Cross-entropy of one batch in training mode and its gradients with respect to `variables`
 * (call inside tf.tidy: the gradients are tensors).
 */
export function lossAndGradients(model: Trainable, variables: readonly tf.Variable[], x: tf.Tensor4D, y: tf.Tensor2D): { loss: number; grads: Map<tf.Variable, tf.Tensor> } {
  const { value, grads } = tf.variableGrads(() => crossEntropy(y, model.forward(x, { training: true })), [...variables]);
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { loss, grads: new Map(variables.map((v) => [v, grads[v.name]!] as [tf.Variable, tf.Tensor])) };
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
        let loss: number;
        try {
          loss = tf.tidy(() => {
            const { loss: value, grads } = lossAndGradients(model, weights, batch.x, batch.y);
            const { scale } = recipe.gradientClipNorm > 0 ? globalGradientScale(grads.values(), recipe.gradientClipNorm) : { scale: 1 };
            optimizer.step(weights, grads, lr, scale);
            return value;
          });
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
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
