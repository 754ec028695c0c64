/**
 * The six training-free metric values of each pool cell, on one batch, as the study's
 * `compute_metrics` gathers them: one freshly initialised network per cell, every metric on the
 * same batch. The metrics themselves live in harness/proxies; this module only runs them.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import type { ProxyBatch, ProxyNetwork } from '../../proxies/types.js';
import { canonicalGenotype, canonicalRepresentative } from '../../space/canonical.js';
import type { Nb201Genotype } from '../../space/genotype.js';
import { buildNetwork } from '../../space/network.js';
import { gatherBatch } from '../../train/batches.js';

/** A metric as RoBoT uses it (a harness/proxies TrainingFreeMetric fits): its name and its value on a network and a batch. */
export interface RobotMetric {
  /** A name of pool.ts ROBOT_METRICS (the search checks their order). */
  readonly name: string;
  compute(network: ProxyNetwork, batch: ProxyBatch): Promise<number>;
}

/** The network the metrics (and the queries) are computed on. */
export interface ScoringNetwork {
  channels: number;
  cellsPerStage: number;
}

/**
 * One batch of `size` images of `data` drawn by `rng` (all of them when it has fewer). The caller
 * disposes `x`.
 */
export function metricBatch(data: ImageDataset, size: number, rng: Rng): ProxyBatch {
  const order = rng.permutation(data.n);
  const batch = gatherBatch(data, order, 0, Math.min(size, data.n));
  batch.y.dispose();
  return { x: batch.x, labels: batch.labels, numClasses: data.numClasses };
}

/**
 * The values of `metrics` (columns, in that order) for each of `cells` (rows). Each cell's network
 * is its canonical representative (isomorphic cells get the same values), with weights drawn from
 * `seed` and the cell's canonical key — so a cell scores the same in the pool and in the panel.
 * Metrics are awaited one at a time; a metric's exception propagates (a non-finite value does not:
 * the pool normalisation leaves it out).
 */
export async function scoreCells(
  cells: readonly Nb201Genotype[],
  batch: ProxyBatch,
  network: ScoringNetwork,
  inputChannels: number,
  seed: number,
  metrics: readonly RobotMetric[],
  onCell?: (index: number) => void,
): Promise<number[][]> {
  const rows: number[][] = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const net = buildNetwork(
      canonicalRepresentative(cell),
      { channels: network.channels, cellsPerStage: network.cellsPerStage, inputChannels, numClasses: batch.numClasses },
      new Rng(deriveSeed(seed, 'metric-weights', canonicalGenotype(cell))),
    );
    try {
      const row: number[] = [];
      for (const metric of metrics) row.push(await metric.compute(net, batch));
      rows.push(row);
    } finally {
      net.dispose();
    }
    onCell?.(i);
  }
  return rows;
}

/** Leaves no tensor behind: disposes a batch made by {@link metricBatch}. */
export function disposeBatch(batch: ProxyBatch): void {
  tf.dispose(batch.x);
}
