/**
 * GraSP (Wang et al. 2020, as a zero-cost proxy): −Σ θ ⊙ (H g) over the layers' weights, g = ∂L/∂θ
 * and H = ∂²L/∂θ² of the batch's mean cross-entropy — the first-order change of the gradient
 * norm when a weight is removed. Uses labels. Higher is better (the zero-cost reference's sign and
 * ranking).
 *
 * Second order: H g = ∂/∂θ (g(θ) · stopgrad(g)), the gradient of the inner product of a recorded
 * gradient with a constant copy of it. Every op of the NB201 networks is twice differentiable
 * here: the loss is built from logSumExp (crossEntropyLoss in common.ts; tf.losses' customGrad is
 * opaque to the tape), engine/gradients.ts registers the gradients tfjs lacks or gets wrong
 * (Conv2DBackpropFilter, AvgPoolGrad, Equal under logSumExp's max), and the custom conv and
 * training-mode batch-norm ops of engine/nn.ts switch their backward pass to tape-visible tfjs ops
 * when it is itself recorded (`gradientDepth > 0`) — the fused wasm batch-norm kernel included.
 * grasp.test.ts checks H g against float64 central differences through exactly those layers.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { gradientsOf, layerWeights, preservingState, readAndDispose } from './common.js';
import { batchLoss, lossGradients } from './loss-gradients.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/**
 * H g for each of `weights` (default: the layer weights), H the Hessian of the batch loss with
 * respect to those weights and g its gradient; training mode; running statistics restored.
 * Read back as float32 arrays in the order of `weights`.
 */
export async function hessianGradientProduct(network: ProxyNetwork, batch: ProxyBatch, weights: readonly tf.Variable[] = layerWeights(network)): Promise<Float32Array[]> {
  return preservingState(network, async () => {
    const products = tf.tidy(() => {
      // g as constants: computed by a pass of its own, so the outer tape sees no path into them.
      const g = lossGradients(network, batch, weights);
      return gradientsOf(() => {
        const inner = gradientsOf(() => batchLoss(network, batch), weights).grads;
        return tf.addN(inner.map((gi, i) => tf.sum(tf.mul(gi, g[i]!))));
      }, weights).grads;
    });
    return Promise.all(products.map((t) => readAndDispose(t)));
  });
}

/** −Σ θ ⊙ (H g) over conv kernels and linear weights; the sum in float64 on the host. */
export async function grasp(network: ProxyNetwork, batch: ProxyBatch): Promise<number> {
  const weights = layerWeights(network);
  const hg = await hessianGradientProduct(network, batch, weights);
  const theta = await Promise.all(weights.map(async (w) => (await w.data()) as Float32Array));
  let total = 0;
  hg.forEach((h, l) => {
    const t = theta[l]!;
    for (let i = 0; i < h.length; i++) total -= t[i]! * h[i]!;
  });
  return total;
}

/** GraSP as a {@link TrainingFreeMetric}. */
export const graspMetric: TrainingFreeMetric = {
  name: 'grasp',
  usesLabels: true,
  higherIsBetter: true,
  compute: grasp,
};
