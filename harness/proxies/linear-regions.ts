/**
 * Number of linear regions (TE-NAS): how many distinct ReLU activation patterns the samples of one
 * batch produce. A ReLU network is linear on each set of inputs sharing a pattern (which units are
 * positive), so more distinct patterns over the same samples means a more expressive network.
 * Higher is better. Label-free: never reads `batch.labels`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchSize, preservingState } from './common.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/**
 * The activation pattern of every sample: bit u of row n is 1 when ReLU unit u (every unit of every
 * ReLU output in the network, in forward order, via ForwardContext.activation) is positive for
 * sample n. Packed 8 units per byte; rows are `ceil(units / 8)` bytes.
 *
 * Training mode (batch statistics), as TE-NAS: its Linear_Region_Collector runs freshly built
 * networks, which PyTorch leaves in training mode, under no_grad. A sample's pattern then depends
 * on the batch it is in (identical samples of one batch still share a pattern). Running
 * statistics are restored afterwards. A supernet's skip dropout applies in training mode and
 * would make patterns random: TE-NAS callers leave it at 0.
 */
export async function activationPatterns(network: ProxyNetwork, batch: Pick<ProxyBatch, 'x'>): Promise<{ rows: Uint8Array[]; units: number }> {
  const n = batchSize(batch);
  return preservingState(network, async () => {
    const signs = tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      network.forward(batch.x, {
        training: true,
        activation: (a) => {
          parts.push(tf.reshape(tf.cast(tf.greater(a, 0), 'int32'), [n, -1]));
          return a;
        },
      });
      if (parts.length === 0) throw new Error('linear_regions: the network has no ReLU (no activation reached the hook)');
      return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
    });
    let bits: Int32Array;
    try {
      bits = (await signs.data()) as Int32Array;
    } finally {
      signs.dispose();
    }
    const units = bits.length / n;
    const bytes = Math.ceil(units / 8);
    const rows: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const row = new Uint8Array(bytes);
      const base = i * units;
      for (let u = 0; u < units; u++) if (bits[base + u] !== 0) row[u >> 3] = row[u >> 3]! | (1 << (u & 7));
      rows.push(row);
    }
    return { rows, units };
  });
}

/**
 * The number of distinct activation patterns over the batch's samples (1 ≤ value ≤ N). Patterns
 * are compared exactly (the packed bits as a string key), not through a hash that could collide.
 */
export async function linearRegions(network: ProxyNetwork, batch: ProxyBatch): Promise<number> {
  const { rows } = await activationPatterns(network, batch);
  const distinct = new Set<string>();
  for (const row of rows) {
    let key = '';
    // Chunks keep String.fromCharCode's argument list short for wide networks.
    for (let at = 0; at < row.length; at += 8192) key += String.fromCharCode(...row.subarray(at, at + 8192));
    distinct.add(key);
  }
  return distinct.size;
}

/** The number of linear regions as a {@link TrainingFreeMetric} (higher is better). */
export const linearRegionsMetric: TrainingFreeMetric = {
  name: 'linear_regions',
  usesLabels: false,
  higherIsBetter: true,
  compute: linearRegions,
};
