/**
 * NTK condition number κ (TE-NAS, Chen, Gong & Wang 2021): κ = λ_max/λ_min of the empirical neural
 * tangent kernel Θ = J Jᵀ on one batch, J_n = ∂(Σ_k f_k(x_n))/∂θ. Lower κ predicts a more
 * trainable network. Label-free: never reads `batch.labels`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchSize, gradientsOf, gramMatrix, parameterRole, preservingState, readAndDispose, symmetricEigenvalues } from './common.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/**
 * The variables J differentiates: TE-NAS's get_ntk_n keeps every parameter whose PyTorch name
 * contains "weight" — conv kernels, linear weights and batch-norm scales — and leaves out biases and
 * batch-norm shifts. Unknown roles are kept (see layerWeights in common.ts).
 */
export function ntkParameters(network: ProxyNetwork): tf.Variable[] {
  return network.params.weights.filter((v) => {
    const role = parameterRole(v);
    return role === 'conv' || role === 'linear_weight' || role === 'bn_scale' || role === 'other';
  });
}

/**
 * The rows of J: one per sample, the gradient of that sample's summed logits with respect to
 * {@link ntkParameters}, flattened and concatenated in store order.
 *
 * The forward pass is in training mode (batch statistics), as TE-NAS runs it (train_mode=True), so
 * the pass runs over the whole batch each time and a sample's row includes its effect on the
 * batch statistics; one forward and backward pass per sample (TE-NAS reuses one forward graph,
 * which tfjs cannot). Running statistics are restored afterwards.
 */
export async function ntkJacobian(network: ProxyNetwork, batch: Pick<ProxyBatch, 'x'>): Promise<Float32Array[]> {
  const n = batchSize(batch);
  const variables = ntkParameters(network);
  if (variables.length === 0) throw new Error('ntk: the network has no weights to differentiate');
  return preservingState(network, async () => {
    const rows: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const row = tf.tidy(() => {
        const { grads } = gradientsOf(() => {
          const logits = network.forward(batch.x, { training: true });
          return tf.sum(tf.slice(logits, [i, 0], [1, -1]));
        }, variables);
        return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
      });
      rows.push(await readAndDispose(row));
    }
    return rows;
  });
}

/**
 * κ = λ_max/λ_min of Θ = J Jᵀ (N×N, accumulated in float64 from the float32 rows, eigenvalues by
 * ml-matrix's symmetric decomposition). Needs N ≥ 2 to be informative (N = 1 gives 1). When Θ is
 * singular in floating point (N larger than the number of weights, or duplicate samples) λ_min is
 * ~0 or slightly negative and κ is huge or negative, as TE-NAS's torch.symeig would give; callers
 * should use batches with N well below the weight count. NaN when Θ = 0 (the output does not
 * depend on the weights scored: a network with no path through a cell). A supernet's skip dropout
 * applies in training mode: TE-NAS callers leave it at 0. TE-NAS averages κ over three
 * initialisations; that is the caller's loop.
 */
export async function ntkConditionNumber(network: ProxyNetwork, batch: ProxyBatch): Promise<number> {
  const rows = await ntkJacobian(network, batch);
  const eigenvalues = symmetricEigenvalues(gramMatrix(rows), rows.length);
  return eigenvalues[eigenvalues.length - 1]! / eigenvalues[0]!;
}

/** The NTK condition number as a {@link TrainingFreeMetric} (lower is better). */
export const ntkMetric: TrainingFreeMetric = {
  name: 'ntk',
  usesLabels: false,
  higherIsBetter: false,
  compute: ntkConditionNumber,
};
