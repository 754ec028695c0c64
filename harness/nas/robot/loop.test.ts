// RoBoT's query loop on a synthetic normalised pool (no tensors): every BO step queries the top
// cell of its weights, a cell is never queried twice, greedy queries follow the best weights'
// ranking until T, and the best queried cell wins.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../engine/rng.js';
import { robotLoop, type RobotLoopOptions } from './loop.js';
import { argmax, combinedScores, ranking } from './pool.js';

const rng = new Rng(21);
const normalised = Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => rng.uniform()));
// Accuracies with ties and no link to the metrics, so that BO steps often repeat a cell.
const accuracy = normalised.map((_, i) => 50 + ((i * 7) % 13));
const options = (seed: number, queries: number, steps: number): RobotLoopOptions => ({
  queries,
  steps,
  randomSteps: 1,
  kappa: 2.576,
  noise: 1e-6,
  acquisitionSamples: 500,
  acquisitionRestarts: 3,
  rng: new Rng(seed),
});

describe('RoBoT query loop', () => {
  test.each([
    [1, 10, 10],
    [2, 10, 4],
    [3, 5, 1],
  ])('seed %i, T = %i, %i BO steps: the rules of the study’s search', async (seed, T, steps) => {
    const calls: number[] = [];
    const result = await robotLoop(normalised, async (cell) => (calls.push(cell), accuracy[cell]!), options(seed, T, steps));
    // Each cell trained once; T in all (fewer only when the pool is smaller, not here).
    expect(new Set(calls).size).toBe(calls.length);
    expect(result.queries.map((q) => q.cell)).toEqual(calls);
    expect(calls).toHaveLength(T);
    expect(result.history).toHaveLength(steps);
    // Every BO step's result is the accuracy of its weights' top cell, which was queried in the BO phase.
    const boCells = result.queries.filter((q) => q.phase === 'bo').map((q) => q.cell);
    for (const step of result.history) {
      const top = argmax(combinedScores(normalised, step.x));
      expect(step.y).toBe(accuracy[top]);
      expect(boCells).toContain(top);
    }
    // The best weights: the latest step that reached the best BO result.
    const bestY = Math.max(...result.history.map((h) => h.y));
    const latest = result.history.map((h) => h.y).lastIndexOf(bestY);
    expect(result.weights).toEqual(result.history[latest]!.x);
    // Greedy: the best weights' ranking, skipping cells already queried, until T.
    const expectedGreedy = ranking(combinedScores(normalised, result.weights))
      .filter((c) => !boCells.includes(c))
      .slice(0, T - boCells.length);
    expect(result.queries.filter((q) => q.phase === 'greedy').map((q) => q.cell)).toEqual(expectedGreedy);
    // The answer: best accuracy, ties to the earliest query.
    const bestAccuracy = Math.max(...calls.map((c) => accuracy[c]!));
    expect(result.best.accuracy).toBe(bestAccuracy);
    expect(result.best).toBe(result.queries.find((q) => q.accuracy === bestAccuracy));
  });

  test('the same seed gives the same queries', async () => {
    const a = await robotLoop(normalised, async (c) => accuracy[c]!, options(8, 6, 4));
    const b = await robotLoop(normalised, async (c) => accuracy[c]!, options(8, 6, 4));
    expect(b).toEqual(a);
  });
});
