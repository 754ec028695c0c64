/**
 * Stage 1 of gradient canceling: the GradPC target. From the clean-trained victim θ₀, one epoch of
 * normalised gradient ascent on the training loss, θ ← θ + η·g/‖g‖₂ per mini-batch (g over all
 * trainable weights together), the shift Δ = θ − θ₀ projected onto ‖Δ‖₂ ≤ ε after every step — one
 * epoch of watml/plim's GradAttacker (LP = 'l2'). Batch norm in evaluation mode (running statistics
 * of θ₀, left as they are), as for every gradient of this attack. Nothing is read back per step.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types.js';
import { Rng } from '../../engine/rng.js';
import { gradientsOf } from '../../proxies/common.js';
import { batchRanges, gatherBatch } from '../../train/batches.js';
import { dot, summedLoss, type GcNetwork } from './objective.js';

/** Options of {@link gradPcAscent}. */
export interface GradPcOptions {
  /** Radius ε of the L2 ball around θ₀. */
  epsilon: number;
  /** Step size η. */
  stepSize: number;
  batchSize: number;
  /** Seed of the epoch's sample order. */
  seed: number;
  /** The parameters θ that ascend (default: the network's trainable weights). */
  parameters?: readonly tf.Variable[];
}

/** What the ascent did. */
export interface GradPcResult {
  /** ‖θ_t − θ₀‖₂ (≤ ε). */
  targetShift: number;
  /** Ascent steps taken (mini-batches). */
  steps: number;
}

/**
 * Moves `network`'s trainable weights (or `options.parameters`) from θ₀ (their current values) to
 * the GradPC target θ_t, in place, over one epoch of `data` in an order drawn from `options.seed`.
 */
export async function gradPcAscent(network: GcNetwork, data: ImageDataset, options: GradPcOptions): Promise<GradPcResult> {
  const weights = options.parameters ?? network.params.weights;
  const origin = weights.map((w) => tf.keep(tf.clone(w)));
  const order = new Rng(options.seed).permutation(data.n);
  const ranges = batchRanges(data.n, options.batchSize, 1);
  try {
    for (const [start, end] of ranges) {
      const batch = gatherBatch(data, order, start, end);
      try {
        const next = tf.tidy(() => {
          const g = gradientsOf(() => summedLoss(network, batch.x, batch.y), weights).grads;
          // Normalised: the batch's mean or sum gives the same direction.
          const step = tf.div(options.stepSize, tf.maximum(tf.sqrt(dot(g, g)), 1e-30));
          const shift = weights.map((w, i) => tf.sub(tf.add(w, tf.mul(g[i]!, step)), origin[i]!));
          const scale = tf.minimum(1, tf.div(options.epsilon, tf.maximum(tf.sqrt(dot(shift, shift)), 1e-30)));
          return shift.map((s, i) => tf.add(origin[i]!, tf.mul(s, scale)));
        });
        weights.forEach((w, i) => w.assign(next[i]!));
        tf.dispose(next);
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
    }
    const shift = tf.tidy(() => {
      const d = weights.map((w, i) => tf.sub(w, origin[i]!));
      return tf.sqrt(dot(d, d));
    });
    const [targetShift] = (await shift.data()) as Float32Array;
    shift.dispose();
    return { targetShift: targetShift!, steps: ranges.length };
  } finally {
    tf.dispose(origin);
  }
}

/** Mean cross-entropy of `network` over `data` (evaluation mode), read once at the end. */
export async function meanLoss(network: GcNetwork, data: ImageDataset, batchSize: number): Promise<number> {
  const all = Int32Array.from({ length: data.n }, (_, i) => i);
  let total: tf.Scalar = tf.scalar(0);
  for (const [start, end] of batchRanges(data.n, batchSize, 1)) {
    const batch = gatherBatch(data, all, start, end);
    const previous = total;
    total = tf.tidy(() => tf.add(previous, summedLoss(network, batch.x, batch.y)));
    tf.dispose([previous, batch.x, batch.y]);
  }
  const [sum] = (await total.data()) as Float32Array;
  total.dispose();
  return sum! / data.n;
}
