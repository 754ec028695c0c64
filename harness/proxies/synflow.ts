/**
 * SynFlow (Tanaka et al. 2020, as a zero-cost proxy): Σ |θ ⊙ ∂R/∂θ| over the layers' weights, where
 * R = Σ f(1; |θ|) is the summed output of the network with every weight replaced by its absolute
 * value, on one all-ones input. No data, no labels: label poisoning cannot move it, and neither
 * can any poison (only the input's shape is read). Higher is better.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { gradientsOf, layerWeights, parameterRole, readAndDispose, restoreVariables, snapshotVariables } from './common.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/** Batch-norm epsilon of engine/nn.ts (its default; no NB201 builder passes another). */
const BN_EPSILON = 1e-5;

/**
 * SynFlow of `network` on inputs shaped like `batch.x` (only its shape is read).
 *
 * Batch norm is removed, as the zero-cost reference does (it scores a copy of the NB201 network
 * built without BN, get_prunable_copy(bn=False)): every BN runs in evaluation mode as the identity
 * for the duration of the call — running mean 0, running variance 1 − ε (so that
 * 1/√(var + ε) = 1), scale 1, shift 0 — whatever its trained or initial values. A BN in training
 * mode would normalise the one all-ones image by its own spatial statistics and zero most of it;
 * running statistics would make the value depend on what the network saw. BN scales and shifts are
 * not scored (they are not layer weights). The classifier's bias takes its absolute value like the
 * weights (the reference's linearize() takes abs of every tensor); it does not change ∂R/∂θ.
 *
 * The all-ones input is a batch of one, as the reference; float32 (the reference uses float64;
 * R grows like a product of layer norms but stays far from float32's range at NB201 sizes).
 * Every weight and state variable is put back bit for bit afterwards.
 */
export async function synflow(network: ProxyNetwork, batch: Pick<ProxyBatch, 'x'>): Promise<number> {
  const [, height, width, channels] = batch.x.shape;
  const variables = [...network.params.weights, ...network.params.state];
  const scored = layerWeights(network);
  const snapshot = snapshotVariables(variables);
  try {
    tf.tidy(() => {
      for (const v of variables) {
        const role = parameterRole(v);
        if (role === 'bn_scale') v.assign(tf.onesLike(v));
        else if (role === 'bn_shift' || role === 'bn_running_mean') v.assign(tf.zerosLike(v));
        else if (role === 'bn_running_var') v.assign(tf.fill(v.shape, 1 - BN_EPSILON));
        else if (v.trainable) v.assign(tf.abs(v));
        // A state variable of unknown role cannot be neutralised; its value would leak into R.
        else throw new Error(`synflow: cannot tell what the state variable "${v.name}" is (not a batch-norm statistic)`);
      }
    });
    const sums = tf.tidy(() => {
      const ones = tf.ones([1, height, width, channels]) as tf.Tensor4D;
      const { grads } = gradientsOf(() => tf.sum(network.forward(ones, { training: false })), scored);
      return tf.stack(grads.map((g, i) => tf.sum(tf.abs(tf.mul(scored[i]!, g)))));
    });
    return (await readAndDispose(sums)).reduce((s, v) => s + v, 0);
  } finally {
    restoreVariables(variables, snapshot);
  }
}

/** SynFlow as a {@link TrainingFreeMetric}. */
export const synflowMetric: TrainingFreeMetric = {
  name: 'synflow',
  usesLabels: false,
  higherIsBetter: true,
  compute: synflow,
};
