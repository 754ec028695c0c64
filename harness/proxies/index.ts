/**
 * The eight training-free metrics of the study (../shared/reference/paper-protocol.md, "Training-free
 * metrics"): each as a {@link TrainingFreeMetric} and as a plain function
 * `(network, batch) => Promise<number>`, the record {@link trainingFreeMetrics} keyed by name, and
 * {@link computeMetrics} for several at once.
 *
 * Conventions shared by all of them: one batch; forward passes in training mode (batch statistics)
 * except synflow (batch norm removed); the network's weights and batch-norm running statistics are
 * left bit-identical; every tensor read is asynchronous; label-free metrics never read
 * `batch.labels`. Sums over "layers" cover conv kernels and linear weight matrices (the zero-cost
 * reference's Conv2d/Linear `.weight`s), the NTK also batch-norm scales (TE-NAS's "weight"
 * parameters).
 *
 * A network whose output does not depend on its input (an NB201 cell with no path from input to
 * output) gives 0 for grad_norm, snip, grasp, fisher and synflow, NaN for jacov and the NTK
 * (constant Jacobians: no correlation, Θ = 0), and still counts patterns of the ReLUs before the
 * dead cell for linear_regions; callers decide how to rank such networks (most sample
 * non-degenerate cells).
 *
 * @module
 */
import { fisherMetric } from './fisher.js';
import { gradNormMetric } from './grad-norm.js';
import { graspMetric } from './grasp.js';
import { jacovMetric } from './jacov.js';
import { linearRegionsMetric } from './linear-regions.js';
import { ntkMetric } from './ntk.js';
import { snipMetric } from './snip.js';
import { synflowMetric } from './synflow.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric, TrainingFreeMetricName } from './types.js';

export type { ProxyBatch, ProxyNetwork, TrainingFreeMetric, TrainingFreeMetricName } from './types.js';
export { fisher, fisherMetric, activationScaleGradients } from './fisher.js';
export { gradNorm, gradNormMetric } from './grad-norm.js';
export { grasp, graspMetric, hessianGradientProduct } from './grasp.js';
export { jacov, jacovMetric, jacovScore, inputJacobians, correlationMatrix, JACOV_K } from './jacov.js';
export { linearRegions, linearRegionsMetric, activationPatterns } from './linear-regions.js';
export { ntkConditionNumber, ntkMetric, ntkJacobian, ntkParameters } from './ntk.js';
export { snip, snipMetric } from './snip.js';
export { synflow, synflowMetric } from './synflow.js';
export { layerWeights, parameterRole, crossEntropyLoss, type ParameterRole } from './common.js';

/** Every metric by name. */
export const trainingFreeMetrics: Readonly<Record<TrainingFreeMetricName, TrainingFreeMetric>> = Object.freeze({
  grad_norm: gradNormMetric,
  snip: snipMetric,
  grasp: graspMetric,
  fisher: fisherMetric,
  synflow: synflowMetric,
  jacov: jacovMetric,
  ntk: ntkMetric,
  linear_regions: linearRegionsMetric,
});

/** The metric names in the protocol table's order. */
export const TRAINING_FREE_METRIC_NAMES: readonly TrainingFreeMetricName[] = Object.freeze(Object.keys(trainingFreeMetrics) as TrainingFreeMetricName[]);

/**
 * The named metrics of one network on one batch, computed one after another. Never run two
 * metrics on the same network concurrently: while one runs, the network's running statistics (and
 * for synflow its weights) are temporarily changed and put back only when it ends; run one after
 * the other, the order does not matter. Throws on an unknown name.
 */
export async function computeMetrics<N extends TrainingFreeMetricName>(network: ProxyNetwork, batch: ProxyBatch, names: readonly N[]): Promise<Record<N, number>> {
  const out = {} as Record<N, number>;
  for (const name of names) {
    const metric = (trainingFreeMetrics as Record<string, TrainingFreeMetric | undefined>)[name];
    if (metric === undefined) throw new Error(`computeMetrics: unknown metric "${name}"; known: ${TRAINING_FREE_METRIC_NAMES.join(', ')}`);
    out[name] = await metric.compute(network, batch);
  }
  return out;
}
