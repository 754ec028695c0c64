// TE-NAS's pruning decision against the authors' code: the ranking lines of prune_func_rank
// (ztcoalson/TENAS prune_tenas.py, identical in VITA-Group/TENAS) run in Python 3 with numpy on the
// numbers below give the expected ranks, rank-sum order and removals.
import { describe, expect, test } from 'vitest';
import type { Nb201Op } from '../../space/ops.js';
import { chooseRemovals, rankCandidates, relativeChange, roundDecimals, roundSignificant, type CandidateMeasurement } from './ranking.js';

const m = (edge: number, op: Nb201Op, kappa: Array<[number, number]>, regions: Array<[number, number]>): CandidateMeasurement => ({
  edge,
  op,
  kappa: kappa.map(([supernet, without]) => ({ supernet, without })),
  regions: regions.map(([supernet, without]) => ({ supernet, without })),
});

// Two repeats; (κ or R of the supernet, of the supernet without the op).
const round = [
  m(0, 'skip_connect', [[100, 80], [120, 90]], [[50, 48], [52, 52]]),
  m(0, 'nor_conv_1x1', [[100, 110], [120, 118]], [[50, 40], [52, 45]]),
  m(0, 'nor_conv_3x3', [[100, 150], [120, 200]], [[50, 30], [52, 31]]),
  m(0, 'avg_pool_3x3', [[100, 80], [120, 90]], [[50, 50], [52, 53]]),
  m(1, 'skip_connect', [[100, 95], [120, 119]], [[50, 49], [52, 52]]),
  m(1, 'nor_conv_3x3', [[100, 100], [120, 120]], [[50, 50], [52, 52]]),
  m(2, 'nor_conv_1x1', [[100, 60], [120, 70]], [[50, 60], [52, 61]]),
  m(2, 'avg_pool_3x3', [[100, 60], [120, 70]], [[50, 45], [52, 47]]),
];

describe('rounding as the authors round', () => {
  test('roundDecimals is Python 3 round(x, digits), ties to even on the exact binary value', () => {
    // python3 -c "print(round(0.0625,3), round(2.675,2), round(0.125,2), round(0.375,2), round(-0.0625,3), round(1/3,3))"
    expect(roundDecimals(0.0625, 3)).toBe(0.062);
    expect(roundDecimals(2.675, 2)).toBe(2.67);
    expect(roundDecimals(0.125, 2)).toBe(0.12);
    expect(roundDecimals(0.375, 2)).toBe(0.38);
    expect(roundDecimals(-0.0625, 3)).toBe(-0.062);
    expect(roundDecimals(1 / 3, 3)).toBe(0.333);
    expect(roundDecimals(-Infinity, 3)).toBe(-Infinity);
  });

  test('roundSignificant is round_to(x, 3): three significant figures after adding 1e-8', () => {
    // round_to from prune_tenas.py, run in Python 3.
    const cases: Array<[number, number]> = [
      [0.012345, 0.0123],
      [-0.3333333, -0.333],
      [1, 1],
      [-1, -1],
      [0.0005, 0.0005],
      [123.456, 123],
      [-0.0004567, -0.00045700000000000005],
      [0.1, 0.1],
    ];
    for (const [x, expected] of cases) expect(roundSignificant(x, 3)).toBe(expected);
  });
});

describe('relative change of κ or R', () => {
  test('(before − after) / before, a singular κ (not positive and finite) counting as +∞', () => {
    expect(relativeChange(100, 80)).toBeCloseTo(0.2, 15);
    expect(relativeChange(100, Infinity)).toBe(-Infinity);
    expect(relativeChange(100, Number.NaN)).toBe(-Infinity);
    expect(relativeChange(100, -3)).toBe(-Infinity);
    expect(relativeChange(Infinity, 50)).toBe(1);
    expect(relativeChange(Number.NaN, Number.NaN)).toBe(0);
  });
});

describe('prune_func_rank', () => {
  test('ranks κ changes descending and R changes ascending, dense ranks, rank sums ascending with ties in κ order', () => {
    const ranked = rankCandidates(round, 3);
    // Python: [[edge, op, ntk_rank, regions_rank] for rankings_sum]
    expect(ranked.map((c) => [c.edge, c.op, c.kappaRank, c.regionsRank])).toEqual([
      [2, 'nor_conv_1x1', 0, 0],
      [0, 'avg_pool_3x3', 1, 1],
      [2, 'avg_pool_3x3', 0, 5],
      [0, 'skip_connect', 1, 4],
      [1, 'skip_connect', 2, 3],
      [1, 'nor_conv_3x3', 3, 2],
      [0, 'nor_conv_1x1', 4, 6],
      [0, 'nor_conv_3x3', 5, 7],
    ]);
    // Python: the sorted mean changes, np.mean of the rounded per-repeat changes.
    expect(
      [...ranked]
        .sort((a, b) => b.kappaChange - a.kappaChange)
        .map((c) => c.kappaChange)
        .map((v) => +v.toFixed(6)),
    ).toEqual([0.4085, 0.4085, 0.225, 0.225, 0.029, 0, -0.0415, -0.5835]);
    expect(
      [...ranked]
        .sort((a, b) => a.regionsChange - b.regionsChange)
        .map((c) => +c.regionsChange.toFixed(6)),
    ).toEqual([-0.1865, -0.0095, 0, 0.01, 0.02, 0.098, 0.1675, 0.402]);
  });

  test('removes on each edge its best-ranked op: the one whose removal lowers κ most and costs fewest regions', () => {
    // Python: edge2choice
    expect(Object.fromEntries(chooseRemovals(rankCandidates(round, 3)))).toEqual({ 2: ['nor_conv_1x1'], 0: ['avg_pool_3x3'], 1: ['skip_connect'] });
    // Edge 0: the 3×3 conv, whose removal raises κ and loses the most regions, is kept longest.
    expect(rankCandidates(round, 3).filter((c) => c.edge === 0).at(-1)!.op).toBe('nor_conv_3x3');
  });

  test('a removal that makes the NTK singular ranks last on κ', () => {
    const ranked = rankCandidates([m(0, 'skip_connect', [[10, Infinity]], [[5, 5]]), m(0, 'nor_conv_3x3', [[10, 12]], [[5, 5]])], 3);
    expect(ranked.map((c) => c.op)).toEqual(['nor_conv_3x3', 'skip_connect']);
    expect(chooseRemovals(ranked).get(0)).toEqual(['nor_conv_3x3']);
  });

  test('all measurements equal: every rank 0, and the first op visited on each edge goes (the authors\' stable sorts)', () => {
    const flat = [m(0, 'skip_connect', [[1, 1]], [[2, 2]]), m(0, 'avg_pool_3x3', [[1, 1]], [[2, 2]]), m(3, 'nor_conv_1x1', [[1, 1]], [[2, 2]]), m(3, 'nor_conv_3x3', [[1, 1]], [[2, 2]])];
    expect(Object.fromEntries(chooseRemovals(rankCandidates(flat, 3)))).toEqual({ 0: ['skip_connect'], 3: ['nor_conv_1x1'] });
  });
});
