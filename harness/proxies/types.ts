/**
 * Training-free metrics ("proxies"): pure functions of a network at initialisation and one batch.
 * Definitions: ../shared/reference/paper-protocol.md, "Training-free metrics". Every metric reads
 * tensors asynchronously (await data()), never synchronously, so it runs on every backend.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ParamStore, ForwardContext } from '../engine/nn.js';

/** Anything built on the NB201 skeleton: a single network or a (pruned) supernet. */
export interface ProxyNetwork {
  readonly params: ParamStore;
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
}

/** One batch: NHWC images in [0, 1] and integer class labels. */
export interface ProxyBatch {
  x: tf.Tensor4D;
  labels: Int32Array;
  numClasses: number;
}

export type TrainingFreeMetricName = 'grad_norm' | 'snip' | 'grasp' | 'fisher' | 'synflow' | 'jacov' | 'ntk' | 'linear_regions';

/** A training-free metric and what it depends on. */
export interface TrainingFreeMetric {
  readonly name: TrainingFreeMetricName;
  /** Whether labels enter (label poisoning can move only these). */
  readonly usesLabels: boolean;
  /** Whether a higher value predicts a better architecture (NTK κ: lower is better). */
  readonly higherIsBetter: boolean;
  /** The metric's value; leaves the network's weights as they were. */
  compute(network: ProxyNetwork, batch: ProxyBatch): Promise<number>;
}
