// The accuracy surrogates and adaptive switching on synthetic targets whose best model is known.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../engine/rng.js';
import { kendallTauB } from '../../stats/kendall.js';
import { fitRegressionTree } from './regression-tree.js';
import { adaptiveSwitching, fitCart, fitGp, fitRbf } from './surrogate.js';

/** n random binary encodings of d features. */
function points(n: number, d: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => (rng.uniform() < 0.4 ? 1 : 0)));
}
const linear = (p: readonly number[]) => p.reduce((s, v, k) => s + v * (k + 1), 0);

describe('surrogate models', () => {
  test('RBF and GP interpolate their training points; both rank held-out points of a linear target', () => {
    const x = points(60, 6, 1);
    const y = x.map(linear);
    const test = points(30, 6, 2);
    for (const model of [fitRbf(x, y), fitGp(x, y)]) {
      model.predict(x).forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 3));
      expect(kendallTauB(model.predict(test), test.map(linear))).toBeGreaterThan(0.9);
    }
  });

  test('with fewer points than a linear tail needs, RBF and GP fall back to a constant one and still fit', () => {
    const x = points(5, 8, 3);
    const y = x.map(linear);
    for (const model of [fitRbf(x, y), fitGp(x, y)]) model.predict(x).forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 2));
  });

  test('a regression tree splits halfway between values and predicts leaf means', () => {
    const tree = fitRegressionTree([[0], [1], [2], [3]], [1, 1, 5, 5]);
    expect([0, 1, 1.4, 1.6, 3].map((v) => tree.predict([v]))).toEqual([1, 1, 1, 5, 5]);
    // Identical inputs with different targets: one leaf, their mean.
    expect(fitRegressionTree([[1], [1]], [2, 4]).predict([1])).toBe(3);
  });

  test('the CART ensemble fits a step target and is a function of its rng', () => {
    const x = points(40, 5, 4);
    const y = x.map((p) => (p[0] === 1 ? 10 : 0) + p[1]!);
    const a = fitCart(x, y, 30, new Rng(5));
    expect(kendallTauB(a.predict(x), y)).toBeGreaterThan(0.7);
    expect(fitCart(x, y, 30, new Rng(5)).predict(x)).toEqual(a.predict(x));
  });
});

describe('adaptive switching', () => {
  test('a smooth linear target: an interpolant (RBF or GP) beats the trees and is chosen', () => {
    const x = points(50, 6, 6);
    const y = x.map(linear);
    const result = adaptiveSwitching(x, y, 5, { cartTrees: 20, rng: new Rng(7) });
    expect(['rbf', 'gp']).toContain(result.surrogate.model);
    expect(result.score[result.surrogate.model]).toBeGreaterThan(result.score.cart);
    expect(result.meanTau[result.surrogate.model]).toBeGreaterThan(0.9);
  });

  test('an exclusive or of 2 of 24 features: the trees, which split on single features, win', () => {
    // An exclusive or of two of 24 features (no linear trend for a tail or a regression to follow) plus a small step.
    const x = points(60, 24, 8);
    const noise = new Rng(9);
    const y = x.map((p) => (p[0] !== p[1] ? 100 : 0) + (p[2] === 1 ? 10 : 0) + noise.uniform());
    const result = adaptiveSwitching(x, y, 5, { cartTrees: 50, rng: new Rng(10) });
    expect(result.surrogate.model).toBe('cart');
    expect(result.score.cart).toBeGreaterThan(Math.max(result.score.rbf, result.score.gp));
  });

  test('folds shrink so every held-out part has two points; one model can be forced', () => {
    const x = points(8, 4, 11);
    const y = x.map(linear);
    expect(adaptiveSwitching(x, y, 10, { cartTrees: 5, rng: new Rng(1) }).folds).toBe(4);
    const only = adaptiveSwitching(x, y, 10, { cartTrees: 5, rng: new Rng(1) }, ['cart']);
    expect(only.surrogate.model).toBe('cart');
    expect(Number.isNaN(only.meanTau.rbf)).toBe(true);
  });
});
