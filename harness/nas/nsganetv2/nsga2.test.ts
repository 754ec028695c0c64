// NSGA-II's parts on fronts known by hand, and a whole run that must find a known Pareto set.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../engine/rng.js';
import { binaryTournament, crowdingDistance, dominates, nonDominatedSort, nsga2, polynomialMutation, rankPopulation, survive, twoPointCrossover } from './nsga2.js';

// Three fronts by construction: A = {0, 1, 2}, B = {3, 4}, C = {5}; 6 duplicates 1.
const points = [
  [1, 5],
  [2, 3],
  [4, 1],
  [3, 4],
  [5, 2],
  [6, 6],
  [2, 3],
];

describe('NSGA-II parts', () => {
  test('domination is strict somewhere and weak everywhere', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
  });

  test('non-dominated sorting finds the fronts (equal points share a front)', () => {
    expect(nonDominatedSort(points)).toEqual([[0, 1, 2, 6], [3, 4], [5]]);
  });

  test('crowding distance: boundaries infinite, inner points the normalised neighbour gaps', () => {
    // Front A with points (1,5), (2,3), (4,1): the middle one's gaps (4−1)/(4−1) + (5−1)/(5−1) = 2.
    expect(crowdingDistance(points, [0, 1, 2])).toEqual([Infinity, 2, Infinity]);
    expect(crowdingDistance(points, [3, 4])).toEqual([Infinity, Infinity]);
  });

  test('survival keeps whole fronts, then the most crowded-apart of the last one', () => {
    const line = [
      [0, 10],
      [1, 9],
      [2, 8],
      [5, 5],
      [10, 0],
      [20, 20],
    ];
    // The first front has 5 points; keeping 4 drops the inner point with the least crowding: (1, 9).
    expect(survive(line, 4).sort()).toEqual([0, 2, 3, 4]);
    expect(survive(line, 6).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('binary tournament prefers the lower rank, then the larger crowding distance', () => {
    const ranked = rankPopulation(points);
    expect(ranked.rank).toEqual([0, 0, 0, 1, 1, 2, 0]);
    const rng = new Rng(4);
    for (let i = 0; i < 50; i++) {
      const winner = binaryTournament(ranked, rng);
      expect(winner).toBeGreaterThanOrEqual(0);
    }
    // Only the front-C point against itself can pick it: across many draws it is rare.
    const wins = Array.from({ length: 2000 }, () => binaryTournament(ranked, rng)).filter((w) => w === 5).length;
    expect(wins).toBeLessThan(2000 / 49 + 30);
  });

  test('two-point crossover swaps one contiguous middle segment', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 20; i++) {
      const [c, d] = twoPointCrossover([0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1], rng);
      expect(c.map((v, k) => v + d[k]!)).toEqual([1, 1, 1, 1, 1, 1]);
      const swapped = c.map((v, k) => (v === 1 ? k : -1)).filter((k) => k >= 0);
      expect(swapped.length).toBeGreaterThan(0);
      expect(swapped[0]).toBeGreaterThan(0);
      expect(swapped[swapped.length - 1]! - swapped[0]!).toBe(swapped.length - 1);
    }
  });

  test('polynomial mutation stays on the integer grid and is a function of the rng', () => {
    const a = Array.from({ length: 200 }, (_, i) => polynomialMutation([0, 1, 2, 3, 4, 2], 4, 1, new Rng(i), 1));
    for (const x of a) for (const v of x) expect(Number.isInteger(v) && v >= 0 && v <= 4).toBe(true);
    expect(a.some((x) => x.join() !== '0,1,2,3,4,2')).toBe(true);
    expect(polynomialMutation([0, 1, 2, 3, 4, 2], 4, 1, new Rng(9), 1)).toEqual(polynomialMutation([0, 1, 2, 3, 4, 2], 4, 1, new Rng(9), 1));
    expect(polynomialMutation([0, 1, 2, 3, 4, 2], 4, 1, new Rng(9), 0)).toEqual([0, 1, 2, 3, 4, 2]);
  });
});

describe('NSGA-II run', () => {
  // f1 = x0, f2 = (4 − x0) + Σ_{i≥1} x_i: the Pareto set is x_i = 0 for i ≥ 1 with any x0 — the front
  // (k, 4 − k), k = 0..4, five points.
  const evaluate = (genomes: readonly (readonly number[])[]) => genomes.map((x) => [x[0]!, 4 - x[0]! + x.slice(1).reduce((a, b) => a + b, 0)]);

  test('finds the whole known front from a random start', () => {
    const rng = new Rng(11);
    const initial = Array.from({ length: 10 }, () => Array.from({ length: 6 }, () => rng.int(5)));
    const result = nsga2({ initial, evaluate, upper: 4, populationSize: 20, generations: 60, crossoverProbability: 0.9, mutationEta: 1, rng: rng.child('nsga2') });
    const front = nonDominatedSort(result.objectives)[0]!.map((i) => result.objectives[i]!.join(','));
    expect([...new Set(front)].sort()).toEqual(['0,4', '1,3', '2,2', '3,1', '4,0']);
    expect(result.population).toHaveLength(20);
  });

  test('the same rng gives the same run', () => {
    const run = (seed: number) =>
      nsga2({ initial: [[1, 2, 3, 4, 0, 1]], evaluate, upper: 4, populationSize: 8, generations: 5, crossoverProbability: 0.9, mutationEta: 1, rng: new Rng(seed) }).population;
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});
