/**
 * Jacobian covariance (jacov; Mellor et al. 2021, "Neural architecture search without training",
 * v1, as a zero-cost proxy): the input Jacobians of the summed outputs, one row per sample, their
 * correlation matrix over samples, and −Σ_i [log(λ_i + k) + 1/(λ_i + k)] over its eigenvalues,
 * k = 1e-5. High when samples' Jacobians are decorrelated (the network tells inputs apart).
 * Label-free: never reads `batch.labels`. Higher is better.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchSize, preservingState, readAndDispose, symmetricEigenvalues } from './common.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/** The regulariser k of the score. */
export const JACOV_K = 1e-5;

/**
 * Row n: ∂(Σ_m Σ_k f_k(x_m))/∂x_n, flattened — one backward pass of the summed logits to the input,
 * as the reference (y.backward(ones_like(y)); x.grad). Training mode (batch statistics), like the
 * other metrics; batch norm then couples the samples, and row n includes x_n's effect on the other
 * samples' outputs through the batch statistics, as in the reference. Running statistics restored.
 */
export async function inputJacobians(network: ProxyNetwork, batch: Pick<ProxyBatch, 'x'>): Promise<Float32Array[]> {
  const n = batchSize(batch);
  return preservingState(network, async () => {
    const jacobian = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(network.forward(x as tf.Tensor4D, { training: true })))(batch.x));
    const values = await readAndDispose(jacobian);
    const size = values.length / n;
    return Array.from({ length: n }, (_, i) => values.subarray(i * size, (i + 1) * size));
  });
}

/**
 * Pearson correlation matrix of the rows (numpy's corrcoef, float64, clipped to [−1, 1]),
 * row-major. A row with zero variance gives NaN entries, as numpy's.
 */
export function correlationMatrix(rows: readonly Float32Array[]): Float64Array {
  const n = rows.length;
  const centred = rows.map((r) => {
    let mean = 0;
    for (let i = 0; i < r.length; i++) mean += r[i]!;
    mean /= r.length;
    return Float64Array.from(r, (v) => v - mean);
  });
  const norms = centred.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0)));
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      const a = centred[i]!;
      const b = centred[j]!;
      for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
      const r = Math.min(1, Math.max(-1, dot / (norms[i]! * norms[j]!)));
      corr[i * n + j] = r;
      corr[j * n + i] = r;
    }
  }
  return corr;
}

/** −Σ_i [log(λ_i + k) + 1/(λ_i + k)] over the eigenvalues of the rows' correlation matrix; NaN if a row is constant. */
export function jacovScore(rows: readonly Float32Array[]): number {
  const corr = correlationMatrix(rows);
  // The decomposition does not accept NaN; numpy's corrcoef would give NaN, and so does the score.
  if (corr.some((v) => Number.isNaN(v))) return Number.NaN;
  let score = 0;
  for (const lambda of symmetricEigenvalues(corr, rows.length)) score -= Math.log(lambda + JACOV_K) + 1 / (lambda + JACOV_K);
  return score;
}

/**
 * jacov of `network` on the batch. NaN when some sample's Jacobian is constant (a network whose
 * output does not depend on its input: a cell with no path from input to output); callers decide
 * how to rank such networks.
 */
export async function jacov(network: ProxyNetwork, batch: ProxyBatch): Promise<number> {
  return jacovScore(await inputJacobians(network, batch));
}

/** jacov as a {@link TrainingFreeMetric}. */
export const jacovMetric: TrainingFreeMetric = {
  name: 'jacov',
  usesLabels: false,
  higherIsBetter: true,
  compute: jacov,
};
