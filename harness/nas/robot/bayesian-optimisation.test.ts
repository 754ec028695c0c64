// The BO loop on its own: it finds the maximiser of smooth and RoBoT-like objectives far better
// than the same number of random points, is a function of its seed, and refuses bad objectives.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../engine/rng.js';
import { bayesianOptimise, maximiseUcb, type BayesianOptimisationOptions } from './bayesian-optimisation.js';
import { fitGaussianProcess } from './gaussian-process.js';

const base = (seed: number, dimensions: number, steps: number): BayesianOptimisationOptions => ({
  dimensions,
  lower: -1,
  upper: 1,
  steps,
  randomSteps: 1,
  kappa: 2.576,
  noise: 1e-6,
  acquisitionSamples: 2000,
  acquisitionRestarts: 5,
  rng: new Rng(seed),
});

describe('Bayesian optimisation (GP + UCB)', () => {
  test('maximiseUcb with κ = 0 returns the posterior mean’s maximiser: a data point’s neighbourhood', () => {
    const gp = fitGaussianProcess([[-0.5], [0.3], [0.8]], [0, 2, 1], { noise: 1e-6, lengthScales: [0.3] });
    const x = maximiseUcb(gp, { dimensions: 1, lower: -1, upper: 1, kappa: 0, acquisitionSamples: 500, acquisitionRestarts: 3, rng: new Rng(1) });
    expect(Math.abs(x[0]! - 0.3)).toBeLessThan(0.1);
    // A large κ prefers the unexplored edge of the box, far from every data point.
    const explore = maximiseUcb(gp, { dimensions: 1, lower: -1, upper: 1, kappa: 50, acquisitionSamples: 500, acquisitionRestarts: 3, rng: new Rng(1) });
    expect(explore[0]).toBeCloseTo(-1, 3);
  });

  test('finds the maximum of a smooth 2-D function in 20 evaluations, closer than 20 random points', async () => {
    const centre = [0.35, -0.6];
    const f = async (x: number[]) => -((x[0]! - centre[0]!) ** 2) - (x[1]! - centre[1]!) ** 2;
    const history = await bayesianOptimise(f, base(7, 2, 20));
    expect(history).toHaveLength(20);
    expect(history.filter((h) => h.random)).toHaveLength(1);
    const bo = Math.max(...history.map((h) => h.y));
    const rng = new Rng(7);
    let random = -Infinity;
    for (let i = 0; i < 20; i++) random = Math.max(random, await f([2 * rng.uniform() - 1, 2 * rng.uniform() - 1]));
    expect(bo).toBeGreaterThan(-0.005);
    expect(bo).toBeGreaterThan(random);
  });

  test('RoBoT-like: weights of a linear score over 6 metrics, objective = quality of the top-scored cell', async () => {
    // 500 cells with 6 metric values in [0, 1]; the hidden quality is a linear combination with
    // known weights, so those weights (and any that pick the same cell) attain the maximum.
    // 25 random weight vectors find that cell about 4 times in 10; BO should find it every time.
    const rng = new Rng(3);
    const cells = Array.from({ length: 500 }, () => Array.from({ length: 6 }, () => rng.uniform()));
    const hidden = [0.9, -0.4, 0.1, 0, 0.6, -0.8];
    const dot = (w: readonly number[], m: readonly number[]) => w.reduce((s, wi, i) => s + wi * m[i]!, 0);
    const quality = cells.map((m) => dot(hidden, m));
    const best = Math.max(...quality);
    const top = (w: readonly number[]) => cells.reduce((b, m, i) => (dot(w, m) > dot(w, cells[b]!) ? i : b), 0);
    let boHits = 0;
    let randomHits = 0;
    for (let seed = 0; seed < 5; seed++) {
      const history = await bayesianOptimise(async (w) => quality[top(w)]!, base(seed, 6, 25));
      if (Math.max(...history.map((h) => h.y)) === best) boHits++;
      const r = new Rng(seed).child('random');
      let found = false;
      for (let i = 0; i < 25; i++) if (quality[top(Array.from({ length: 6 }, () => 2 * r.uniform() - 1))] === best) found = true;
      if (found) randomHits++;
    }
    expect(boHits).toBe(5);
    expect(randomHits).toBeLessThan(5);
  });

  test('the same seed gives the same points; random steps come first', async () => {
    const f = async (x: number[]) => Math.sin(3 * x[0]!) + x[1]!;
    const a = await bayesianOptimise(f, { ...base(5, 2, 6), randomSteps: 2 });
    const b = await bayesianOptimise(f, { ...base(5, 2, 6), randomSteps: 2 });
    expect(b).toEqual(a);
    expect(a.map((h) => h.random)).toEqual([true, true, false, false, false, false]);
    expect(a.every((h) => h.x.every((v) => v >= -1 && v <= 1))).toBe(true);
    expect(a[2]!.lengthScale).toBeGreaterThan(0);
  });

  test('a non-finite objective value and a bad configuration are refused', async () => {
    await expect(bayesianOptimise(async () => NaN, base(1, 2, 3))).rejects.toThrow(/returned NaN at step 1/);
    await expect(bayesianOptimise(async () => 0, { ...base(1, 2, 3), randomSteps: 0 })).rejects.toThrow(/randomSteps must be an integer ≥ 1/);
  });
});
