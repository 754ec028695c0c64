/**
 * grad_norm (Abdelfattah et al. 2021, zero-cost proxies): Σ_l ‖∂L/∂θ_l‖₂ over the layers' weights,
 * L the batch's mean cross-entropy. Uses labels. Higher is better (as the zero-cost reference
 * ranks it).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { layerWeights, preservingState, readAndDispose } from './common.js';
import { lossGradients } from './loss-gradients.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/**
 * Σ over conv kernels and linear weights (layerWeights in common.ts: the reference's Conv2d and
 * Linear `.weight`s) of the Euclidean norm of each one's gradient. Training mode; running
 * statistics restored. Per-layer norms are summed in float64 on the host.
 */
export async function gradNorm(network: ProxyNetwork, batch: ProxyBatch): Promise<number> {
  const weights = layerWeights(network);
  return preservingState(network, async () => {
    const norms = tf.tidy(() => tf.stack(lossGradients(network, batch, weights).map((g) => tf.norm(g))));
    return (await readAndDispose(norms)).reduce((s, v) => s + v, 0);
  });
}

/** grad_norm as a {@link TrainingFreeMetric}. */
export const gradNormMetric: TrainingFreeMetric = {
  name: 'grad_norm',
  usesLabels: true,
  higherIsBetter: true,
  compute: gradNorm,
};
