/**
 * The first-order quantity grad_norm, snip and GraSP start from: the gradient of the batch's mean
 * cross-entropy with respect to the layer weights, in training mode.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { crossEntropyLoss, gradientsOf } from './common.js';
import type { ProxyBatch, ProxyNetwork } from './types.js';

/**
 * Mean cross-entropy of the batch, forward pass in training mode (batch statistics), as the
 * zero-cost-proxy reference runs its metrics (net.train()). Updates running statistics: callers
 * wrap it in preservingState.
 */
export function batchLoss(network: ProxyNetwork, batch: ProxyBatch): tf.Scalar {
  return crossEntropyLoss(network.forward(batch.x, { training: true }), batch.labels, batch.numClasses);
}

/** ∂L/∂θ for each of `weights`, in order (zeros for a weight the loss does not reach). Call inside tf.tidy. */
export function lossGradients(network: ProxyNetwork, batch: ProxyBatch, weights: readonly tf.Variable[]): tf.Tensor[] {
  return gradientsOf(() => batchLoss(network, batch), weights).grads;
}
