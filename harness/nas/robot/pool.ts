/**
 * RoBoT's candidate pool and its linear scores: random NB201 cells, their six training-free metric
 * values min-max normalised over the pool, and the weighted sum a weight vector gives each cell.
 * Pure functions (no tensors): the metric values are computed elsewhere (scoring.ts).
 */
import type { Rng } from '../../engine/rng.js';
import type { Nb201Genotype } from '../../space/genotype.js';
import { sampleDistinctGenotypes } from '../../space/sampling.js';

/** The six metrics RoBoT combines, in the order of its weight vector (the study's `metric_names`). */
export const ROBOT_METRICS = ['grad_norm', 'snip', 'grasp', 'fisher', 'synflow', 'jacov'] as const;
export type RobotMetricName = (typeof ROBOT_METRICS)[number];

/**
 * `size` random non-degenerate cells, distinct up to isomorphism (the study's pool is a dict keyed
 * by genotype, so it holds no duplicates either; here two spellings of one network count as one).
 * @throws when `size` distinct cells are not found in 100·size draws (the space has 5,043
 *   non-degenerate classes).
 */
export function samplePool(size: number, rng: Rng): Nb201Genotype[] {
  return sampleDistinctGenotypes(size, rng);
}

/** Per metric (column), the minimum and maximum over the pool's finite values. */
export interface MetricRanges {
  min: number[];
  max: number[];
}

/** The min and max of each column of `values` (rows: cells), over finite entries only. */
export function metricRanges(values: readonly (readonly number[])[]): MetricRanges {
  const columns = values[0]?.length ?? 0;
  const min = new Array<number>(columns).fill(Infinity);
  const max = new Array<number>(columns).fill(-Infinity);
  for (const row of values) {
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) return;
      if (v < min[j]!) min[j] = v;
      if (v > max[j]!) max[j] = v;
    });
  }
  return { min, max };
}

/**
 * Min-max normalises `values` with `ranges` (the pool's, also for cells outside it, such as the
 * panel): (v − min)/(max − min). As in the study's code, a non-finite value (a metric that failed
 * on a cell) is left out of the weighted sum — here it becomes 0 — and a metric constant over the
 * pool adds the same amount to every score; it is set to 0, which ranks identically and keeps a
 * huge constant (synflow reaches 1e30) from swamping the other terms in floating point.
 */
export function normalise(values: readonly (readonly number[])[], ranges: MetricRanges): number[][] {
  return values.map((row) =>
    row.map((v, j) => {
      const lo = ranges.min[j]!;
      const span = ranges.max[j]! - lo;
      if (!Number.isFinite(v) || !(span > 0) || !Number.isFinite(span)) return 0;
      return (v - lo) / span;
    }),
  );
}

/** Each cell's weighted score Σ_j w_j·m_j. */
export function combinedScores(normalised: readonly (readonly number[])[], weights: readonly number[]): number[] {
  return normalised.map((row) => row.reduce((s, v, j) => s + weights[j]! * v, 0));
}

/** The index of the largest score (ties: the lowest index). */
export function argmax(scores: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

/** Indices sorted by descending score (ties: the lower index first). */
export function ranking(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}
