/**
 * Choices on (error, FLOPs) sets: the candidates an iteration evaluates next (the reference's
 * subset selection, msunas.py `_subset_selection`) and the cell a search returns (post_search.py).
 */
import { nonDominatedSort } from './nsga2.js';

/** Population standard deviation. */
function std(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

/** Spread of a set of FLOPs values: the std of the gaps between them, sorted (the reference's objective). */
export function gapSpread(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return std(sorted.slice(1).map((v, i) => v - sorted[i]!));
}

/**
 * Picks `k` of `candidateFlops` (indices) so that the FLOPs of the archive's front together with
 * the picks are spread as evenly as possible (least std of sorted gaps), greedily: one pick at a
 * time, each the one that keeps the spread least (ties: the lower index). The reference solves the
 * same objective with a genetic algorithm over subsets.
 */
export function selectSpread(candidateFlops: readonly number[], frontFlops: readonly number[], k: number): number[] {
  const chosen: number[] = [];
  const values = [...frontFlops];
  while (chosen.length < Math.min(k, candidateFlops.length)) {
    let best = -1;
    let bestSpread = Infinity;
    candidateFlops.forEach((f, i) => {
      if (chosen.includes(i)) return;
      const spread = gapSpread([...values, f]);
      if (spread < bestSpread) {
        best = i;
        bestSpread = spread;
      }
    });
    chosen.push(best);
    values.push(candidateFlops[best]!);
  }
  return chosen;
}

/** Indices of the non-dominated points of (error, FLOPs) pairs, by increasing error (ties: FLOPs, index). */
export function paretoFront(points: ReadonlyArray<readonly [number, number]>): number[] {
  if (points.length === 0) return [];
  return [...nonDominatedSort(points)[0]!].sort((a, b) => points[a]![0] - points[b]![0] || points[a]![1] - points[b]![1] || a - b);
}

/**
 * The knee of a front (indices into `points`): objectives normalised to [0, 1] over the front; for
 * each point, the least ratio of what moving to another front point sacrifices to what it gains
 * (summed over objectives); the point with the highest such trade-off (ties: the more accurate).
 * post_search.py's HighTradeoffPoints, with every other front point as a neighbour.
 */
export function kneePoint(points: ReadonlyArray<readonly [number, number]>, front: readonly number[]): number {
  if (front.length <= 2) return front[0]!;
  const lo = [0, 1].map((k) => Math.min(...front.map((i) => points[i]![k]!)));
  const hi = [0, 1].map((k) => Math.max(...front.map((i) => points[i]![k]!)));
  const norm = (i: number) => [0, 1].map((k) => (hi[k]! > lo[k]! ? (points[i]![k]! - lo[k]!) / (hi[k]! - lo[k]!) : 0));
  let best = front[0]!;
  let bestTradeoff = -Infinity;
  for (const i of front) {
    const fi = norm(i);
    let least = Infinity;
    for (const j of front) {
      if (j === i) continue;
      const fj = norm(j);
      const diff = fj.map((v, k) => v - fi[k]!);
      const sacrifice = diff.reduce((s, d) => s + Math.max(0, d), 0);
      const gain = diff.reduce((s, d) => s + Math.max(0, -d), 0);
      if (gain > 0) least = Math.min(least, sacrifice / gain);
    }
    if (least > bestTradeoff) {
      best = i;
      bestTradeoff = least;
    }
  }
  return best;
}
