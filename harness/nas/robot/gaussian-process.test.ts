// The Gaussian process against float64 values computed independently with numpy
// (fixtures/gp-reference.py: a matrix inverse and slogdet, not a Cholesky factor).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DEFAULT_LENGTH_SCALES, fitGaussianProcess, matern52 } from './gaussian-process.js';

interface PosteriorCase {
  x: number[][];
  y: number[];
  lengthScale: number;
  noise: number;
  at: number[][];
  mean: number[];
  std: number[];
  logMarginalLikelihood: number;
}
interface Reference {
  posterior: PosteriorCase[];
  selection: { x: number[][]; y: number[]; noise: number; grid: number[]; logMarginalLikelihoods: number[]; chosen: number };
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/gp-reference.json', import.meta.url), 'utf8')) as Reference;

describe('Gaussian process', () => {
  test('Matérn-5/2 by hand: 1 at distance 0; (1 + √5 + 5/3)·e^−√5 at one length scale', () => {
    expect(matern52(0, 0.7)).toBe(1);
    expect(matern52(2, 2)).toBeCloseTo((1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5)), 15);
  });

  test.each(reference.posterior.map((c) => [`ℓ=${c.lengthScale}, noise=${c.noise}`, c] as const))('posterior mean, std and log marginal likelihood match numpy (%s)', (_, c) => {
    const gp = fitGaussianProcess(c.x, c.y, { noise: c.noise, lengthScales: [c.lengthScale] });
    expect(gp.lengthScale).toBe(c.lengthScale);
    expect(gp.logMarginalLikelihood).toBeCloseTo(c.logMarginalLikelihood, 8);
    c.at.forEach((point, i) => {
      const p = gp.predict(point);
      expect(p.mean).toBeCloseTo(c.mean[i]!, 6);
      expect(p.std).toBeCloseTo(c.std[i]!, 6);
    });
  });

  test('the length scale of highest marginal likelihood is chosen from the grid', () => {
    const s = reference.selection;
    expect(fitGaussianProcess(s.x, s.y, { noise: s.noise, lengthScales: s.grid }).lengthScale).toBe(s.chosen);
    for (let i = 0; i < s.grid.length; i++) {
      const lml = fitGaussianProcess(s.x, s.y, { noise: s.noise, lengthScales: [s.grid[i]!] }).logMarginalLikelihood;
      expect(lml).toBeCloseTo(s.logMarginalLikelihoods[i]!, 5);
    }
  });

  test('a constant target predicts that constant; far from the data the std returns to the targets’ scale', () => {
    const flat = fitGaussianProcess([[0], [1]], [5, 5], { noise: 1e-6 });
    expect(flat.predict([0.5]).mean).toBeCloseTo(5, 9);
    const gp = fitGaussianProcess([[0], [1]], [0, 2], { noise: 1e-6, lengthScales: [0.3] });
    // Targets standardised: population std 1, so the prior std far away is 1 and the mean returns to 1.
    const far = gp.predict([50]);
    expect(far.mean).toBeCloseTo(1, 9);
    expect(far.std).toBeCloseTo(1, 9);
  });

  test('duplicate points fit (the noise keeps the matrix positive definite); bad input is named', () => {
    expect(() => fitGaussianProcess([[0.1, 0.2], [0.1, 0.2], [0.5, 0]], [1, 1.2, 0], { noise: 1e-6 })).not.toThrow();
    expect(() => fitGaussianProcess([], [], { noise: 1e-6 })).toThrow(/0 points and 0 targets/);
    expect(() => fitGaussianProcess([[0], [1, 2]], [0, 1], { noise: 1e-6 })).toThrow(/1 finite coordinates/);
    expect(() => fitGaussianProcess([[0]], [NaN], { noise: 1e-6 })).toThrow(/target must be finite/);
    expect(() => fitGaussianProcess([[0]], [1], { noise: 1e-6 }).predict([0, 1])).toThrow(/2 coordinates for a process over 1/);
  });

  test('the default grid spans 1e-2 to 1e2', () => {
    expect(DEFAULT_LENGTH_SCALES[0]).toBeCloseTo(0.01, 12);
    expect(DEFAULT_LENGTH_SCALES[DEFAULT_LENGTH_SCALES.length - 1]).toBeCloseTo(100, 9);
  });
});
