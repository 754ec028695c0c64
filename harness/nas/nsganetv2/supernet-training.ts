/**
 * Uniform single-path training of the NB201 weight-sharing supernet: every step samples one op per
 * edge uniformly (the same cell in every position, NB201 has one cell type) and trains only that
 * path's weights — the skeleton's and the sampled ops' — by SGD. As in PyTorch, a weight that a
 * step does not use gets no update at all (no decay, no momentum step), and its momentum buffer
 * starts at its first use.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types.js';
import { Rng } from '../../engine/rng.js';
import { makeGenotype, type Nb201Genotype } from '../../space/genotype.js';
import { NB201_OPS } from '../../space/ops.js';
import type { SinglePathSupernet } from '../../space/single-path-supernet.js';
import { batchRanges, gatherBatch } from '../../train/batches.js';
import { learningRateAt, nb201Recipe } from '../../train/recipe.js';
import { Sgd } from '../../train/sgd.js';
import { LossLog, lossAndGradients } from '../../train/trainer.js';

/** How the supernet is trained. */
export interface SupernetTraining {
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** A uniformly drawn cell: each edge's op uniform over the five NB201 ops. */
export function samplePath(rng: Rng): Nb201Genotype {
  return makeGenotype(Array.from({ length: 6 }, () => NB201_OPS[rng.int(NB201_OPS.length)]!));
}

/** Scales gradients so that their global L2 norm is at most `maxNorm` (PyTorch clip_grad_norm_). */
function clipGradients(grads: Map<tf.Variable, tf.Tensor>, maxNorm: number): void {
  const norm = tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const factor = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6))));
  for (const [v, g] of grads) grads.set(v, tf.mul(g, factor));
}

/**
 * Trains `supernet` on `train` (seeded batch order and paths); returns the mean loss of the last
 * epoch. SGD with Nesterov momentum 0.9, weight decay 5e-4, cosine learning rate to 0, gradient
 * norm clipped at 5 — the NB201 recipe's optimiser.
 */
export async function trainSupernet(
  supernet: SinglePathSupernet,
  train: ImageDataset,
  training: SupernetTraining,
  seed: number,
  log?: (message: string) => void,
): Promise<number> {
  const recipe = nb201Recipe(training.epochs, { name: 'nsganetv2-supernet', batchSize: training.batchSize, learningRate: training.learningRate });
  const rng = new Rng(seed);
  const orderRng = rng.child('batch-order');
  const pathRng = rng.child('paths');
  const sgd = new Sgd(recipe);
  // Variables that have a momentum buffer: the fused SGD kernel steps those and new ones separately.
  const started = new Set<tf.Variable>();
  const ranges = batchRanges(train.n, recipe.batchSize);
  const totalSteps = recipe.epochs * ranges.length;
  const losses = new LossLog();
  let step = 0;
  let lastMean = NaN;
  try {
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const order = orderRng.permutation(train.n);
      for (const [start, end] of ranges) {
        const path = samplePath(pathRng);
        supernet.path = path;
        const variables = supernet.pathWeights(path);
        const lr = learningRateAt(recipe, step, totalSteps);
        const batch = gatherBatch(train, order, start, end);
        try {
          losses.push(
            tf.tidy(() => {
              const { loss, grads } = lossAndGradients(supernet, variables, batch.x, batch.y);
              // A cell with no path from its input leaves the layers before it without a gradient.
              for (const [v, g] of grads) if (g === undefined) grads.delete(v);
              if (recipe.gradientClipNorm > 0) clipGradients(grads, recipe.gradientClipNorm);
              const stepped = variables.filter((v) => grads.has(v));
              const old = stepped.filter((v) => started.has(v));
              const fresh = stepped.filter((v) => !started.has(v));
              if (old.length > 0) sgd.step(old, grads, lr, 0);
              if (fresh.length > 0) sgd.step(fresh, grads, lr, 0);
              for (const v of fresh) started.add(v);
              return loss;
            }),
          );
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
        step++;
      }
      const values = await losses.flush();
      let sum = 0;
      for (const loss of values) {
        if (!Number.isFinite(loss)) throw new Error(`nsganetv2: supernet training diverged (loss ${loss}) in epoch ${epoch + 1}`);
        sum += loss;
      }
      lastMean = sum / values.length;
      log?.(`nsganetv2 supernet epoch ${epoch + 1}/${recipe.epochs} · loss ${lastMean.toFixed(3)}`);
    }
  } finally {
    losses.dispose();
    sgd.dispose();
  }
  return lastMean;
}
