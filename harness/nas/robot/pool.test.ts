// The pool and its scores: distinct non-degenerate cells from the seed; min-max normalisation by
// hand, with failed (non-finite) values and constant metrics left out of the sum; rankings.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../engine/rng.js';
import { canonicalGenotype, isDegenerate } from '../../space/canonical.js';
import { argmax, combinedScores, metricRanges, normalise, ranking, samplePool } from './pool.js';

describe('RoBoT pool', () => {
  test('samplePool: distinct up to isomorphism, never degenerate, a function of the seed', () => {
    const pool = samplePool(200, new Rng(4));
    expect(pool).toHaveLength(200);
    expect(new Set(pool.map((g) => canonicalGenotype(g))).size).toBe(200);
    expect(pool.some(isDegenerate)).toBe(false);
    expect(samplePool(200, new Rng(4))).toEqual(pool);
    expect(samplePool(200, new Rng(5))).not.toEqual(pool);
  });

  test('normalise: (v − min)/(max − min) per metric; NaN and ±Infinity give 0 and do not set the range; a constant metric gives 0', () => {
    const values = [
      [1, 10, 7, NaN],
      [3, 30, 7, 2],
      [2, Infinity, 7, 4],
    ];
    const ranges = metricRanges(values);
    expect(ranges).toEqual({ min: [1, 10, 7, 2], max: [3, 30, 7, 4] });
    expect(normalise(values, ranges)).toEqual([
      [0, 0, 0, 0],
      [1, 1, 0, 0],
      [0.5, 0, 0, 1],
    ]);
    // Cells outside the pool (the panel) use the pool's ranges, so they may leave [0, 1].
    expect(normalise([[5, 0, 7, 3]], ranges)).toEqual([[2, -0.5, 0, 0.5]]);
  });

  test('combined scores, argmax and ranking (ties to the lower index)', () => {
    const n = [
      [0, 1],
      [1, 0],
      [0.5, 0.5],
    ];
    expect(combinedScores(n, [1, -1])).toEqual([-1, 1, 0]);
    expect(argmax([0.2, 0.7, 0.7])).toBe(1);
    expect(ranking([0.2, 0.7, 0.7, -1])).toEqual([1, 2, 0, 3]);
  });
});
