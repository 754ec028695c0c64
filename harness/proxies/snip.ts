/**
 * SNIP (Lee et al. 2019, as a zero-cost proxy): Σ |θ ⊙ ∂L/∂θ| over the layers' weights, L the
 * batch's mean cross-entropy — the first-order estimate of how much the loss moves when each
 * weight is removed. Uses labels. Higher is better.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { layerWeights, preservingState, readAndDispose } from './common.js';
import { lossGradients } from './loss-gradients.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/** Σ |θ ⊙ g| over conv kernels and linear weights. Training mode; running statistics restored. */
export async function snip(network: ProxyNetwork, batch: ProxyBatch): Promise<number> {
  const weights = layerWeights(network);
  return preservingState(network, async () => {
    const sums = tf.tidy(() => tf.stack(lossGradients(network, batch, weights).map((g, i) => tf.sum(tf.abs(tf.mul(weights[i]!, g))))));
    return (await readAndDispose(sums)).reduce((s, v) => s + v, 0);
  });
}

/** SNIP as a {@link TrainingFreeMetric}. */
export const snipMetric: TrainingFreeMetric = {
  name: 'snip',
  usesLabels: true,
  higherIsBetter: true,
  compute: snip,
};
