import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { kendallTauB } from './index.js';

// References: scipy.stats.kendalltau(x, y).statistic (τ-b), from
// fixtures/scripts/make-kendall-references.py; null stands for scipy's NaN.
interface KendallCase {
  name: string;
  x: number[];
  y: number[];
  tau: number | null;
}
const ref = JSON.parse(readFileSync(new URL('../../fixtures/stats/kendall-references.json', import.meta.url), 'utf8')) as { cases: KendallCase[] };

describe("Kendall's τ-b", () => {
  test.each(ref.cases.map((c) => [c.name, c] as const))('matches scipy: %s', (_name, c) => {
    const tau = kendallTauB(c.x, c.y);
    if (c.tau === null) expect(tau).toBeNaN();
    else expect(tau).toBeCloseTo(c.tau, 12);
  });

  test('the references cover ties, no ties, n = 2 and constant input', () => {
    const names = ref.cases.map((c) => c.name).join(' | ');
    for (const part of ['ties in x', 'ties in y', 'ties in both', 'n=2 concordant', 'constant x', 'random continuous']) expect(names).toContain(part);
  });

  test('is symmetric, antisymmetric under reversal, and invariant under monotone maps', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6];
    const y = [2, 7, 1, 8, 2, 8, 1, 8];
    const t = kendallTauB(x, y);
    expect(kendallTauB(y, x)).toBeCloseTo(t, 15);
    expect(kendallTauB(x, y.map((v) => -v))).toBeCloseTo(-t, 15);
    expect(kendallTauB(x.map((v) => Math.exp(v)), y.map((v) => v ** 3))).toBeCloseTo(t, 15);
  });

  test('degenerate inputs give NaN (as scipy): fewer than 2 pairs, a constant sample', () => {
    expect(kendallTauB([], [])).toBeNaN();
    expect(kendallTauB([1], [2])).toBeNaN();
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(kendallTauB([1, 2], [1, 2])).toBe(1);
    expect(kendallTauB([1, 2], [2, 1])).toBe(-1);
  });

  test('refuses samples of different lengths and non-finite values, naming them', () => {
    expect(() => kendallTauB([1, 2, 3], [1, 2])).toThrow(/differ in length \(3 vs 2\)/);
    expect(() => kendallTauB([1, Number.NaN], [1, 2])).toThrow(/pair 1/);
    expect(() => kendallTauB([1, 2], [1, Number.POSITIVE_INFINITY])).toThrow(/not finite/);
  });
});
