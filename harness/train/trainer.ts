/**
 * Trains a network with a {@link TrainingRecipe} and evaluates it. Deterministic for a given seed
 * and backend: batch order comes from the seeded Rng, weights from the network's own Rng.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/types.js';
import type { ForwardContext } from '../engine/nn.js';
import { leanVariableGrads } from '../engine/memory-budget.js';
import { Rng } from '../engine/rng.js';
import { batchRanges, gatherBatch } from './batches.js';
import { learningRateAt, type TrainingRecipe } from './recipe.js';
import { Sgd } from './sgd.js';

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
 * (call inside tf.tidy: the loss and the gradients are tensors; nothing is read back).
 */
export function lossAndGradients(model: Trainable, variables: readonly tf.Variable[], x: tf.Tensor4D, y: tf.Tensor2D): { loss: tf.Scalar; grads: Map<tf.Variable, tf.Tensor> } {
  // tf.variableGrads's values at about half its peak memory (the paper-scale supernet fits on wasm).
  const { value, grads } = leanVariableGrads(() => crossEntropy(y, model.forward(x, { training: true })), variables);
  return { loss: value, grads: new Map(variables.map((v) => [v, grads[v.name]!] as [tf.Variable, tf.Tensor])) };
}

/**
 * Step losses kept on the backend and read back asynchronously, many at once: one readback per
 * {@link LossLog.flush} instead of a device sync per step.
 */
export class LossLog {
  private pending: tf.Scalar[] = [];

  /** Takes ownership of a step's loss. */
  push(loss: tf.Scalar): void {
    this.pending.push(loss);
  }

  get size(): number {
    return this.pending.length;
  }

  /** The pending losses in step order (and frees them). */
  async flush(): Promise<Float32Array> {
    if (this.pending.length === 0) return new Float32Array(0);
    const losses = this.pending;
    this.pending = [];
    const stacked = tf.stack(losses);
    try {
      return (await stacked.data()) as Float32Array;
    } finally {
      tf.dispose([stacked, ...losses]);
    }
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
  }
}

/** How many steps' losses are read back at once (and the longest a divergence goes unnoticed). */
export const LOSS_READ_EVERY = 50;

/** Trains `model` on `train` following `recipe`. The host reads only a loss every {@link LOSS_READ_EVERY} steps. */
export async function trainModel(model: Trainable, train: ImageDataset, recipe: TrainingRecipe, options: TrainOptions): Promise<TrainResult> {
  const rng = new Rng(options.seed).child('batch-order');
  const optimizer = new Sgd(recipe);
  const weights = model.params.weights;
  const ranges = batchRanges(train.n, recipe.batchSize);
  const totalSteps = recipe.epochs * ranges.length;
  const started = performance.now();
  const losses = new LossLog();
  let step = 0;
  let lastLoss = NaN;
  let lossSum = 0;
  // Reads the pending losses; the first non-finite one names its step.
  const readLosses = async (epoch: number): Promise<void> => {
    const firstStep = step - losses.size;
    const values = await losses.flush();
    values.forEach((loss, i) => {
      if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch + 1}, step ${firstStep + i + 1}`);
      lossSum += loss;
      lastLoss = loss;
    });
  };
  try {
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const order = rng.permutation(train.n);
      lossSum = 0;
      for (const [start, end] of ranges) {
        const lr = learningRateAt(recipe, step, totalSteps);
        const batch = gatherBatch(train, order, start, end);
        try {
          losses.push(
            tf.tidy(() => {
              const { loss, grads } = lossAndGradients(model, weights, batch.x, batch.y);
              optimizer.step(weights, grads, lr, recipe.gradientClipNorm);
              return loss;
            }),
          );
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
        step++;
        if (losses.size >= LOSS_READ_EVERY) await readLosses(epoch);
      }
      await readLosses(epoch);
      options.onEpoch?.({
        epoch: epoch + 1,
        epochs: recipe.epochs,
        meanLoss: lossSum / ranges.length,
        learningRate: learningRateAt(recipe, step, totalSteps),
        elapsedMs: performance.now() - started,
      });
    }
  } finally {
    losses.dispose();
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

/**
 * Evaluates `model` in eval mode (batch norm on running statistics). Predictions and per-batch
 * losses stay on the backend until one asynchronous read at the end.
 */
export async function evaluateModel(model: Trainable, test: ImageDataset, batchSize: number): Promise<EvaluationResult> {
  // No images, no accuracy (0/0), as before this read was made asynchronous; tf.concat([]) would throw.
  if (test.n === 0) return { accuracy: NaN, correct: 0, total: 0, meanLoss: NaN };
  const all = new Int32Array(test.n).map((_, i) => i);
  const predictions: tf.Tensor1D[] = [];
  const losses = new LossLog();
  try {
    for (const [start, end] of batchRanges(test.n, batchSize, 1)) {
      const batch = gatherBatch(test, all, start, end);
      try {
        const [predicted, loss] = tf.tidy(() => {
          const logits = model.forward(batch.x, { training: false });
          return [tf.argMax(logits, 1) as tf.Tensor1D, tf.losses.softmaxCrossEntropy(batch.y, logits, undefined, undefined, tf.Reduction.SUM) as tf.Scalar] as const;
        });
        predictions.push(predicted);
        losses.push(loss);
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
    }
    const joined = tf.concat(predictions);
    const predicted = await joined.data().finally(() => joined.dispose());
    let correct = 0;
    for (let i = 0; i < test.n; i++) if (predicted[i] === test.labels[i]) correct++;
    let lossSum = 0;
    for (const loss of await losses.flush()) lossSum += loss;
    return { accuracy: correct / test.n, correct, total: test.n, meanLoss: lossSum / test.n };
  } finally {
    tf.dispose(predictions);
    losses.dispose();
  }
}
