import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { normalCdf } from './distributions.js';
import { groupSequentialBoundaries, spendingFunction, stagewiseAdjustedP, type SpendingShape } from './group-sequential.js';

// References: fixtures/scripts/make-group-sequential-references.py — boundaries by root finding on
// scipy.stats.multivariate_normal.cdf with the correlation matrix √(t_i/t_j) (Genz QMC), an
// independent method from the grid recursion of group-sequential.ts. Each design records the
// tolerance its QMC accuracy supports (1e-6 for K ≤ 3, 2e-5 where 4- and 5-dimensional integrals
// at abseps 1e-7 limit it).

interface Design {
  readonly name: string;
  readonly fractions: number[];
  readonly alpha: number;
  readonly shape: SpendingShape;
  readonly z: number[];
  readonly nominalP: number[];
  readonly spent: number[];
  readonly tolerance: number;
  readonly stagewise: Array<{ z: number; p: number }>;
}

const url = new URL('../../fixtures/stats/group-sequential-references.json', import.meta.url);
const ref = JSON.parse(readFileSync(url, 'utf8')) as { designs: Design[] };

describe('Lan–DeMets boundaries match scipy (multivariate normal CDF + root finding)', () => {
  test.each(ref.designs.map((d) => [d.name, d] as const))('%s', (_name, d) => {
    const b = groupSequentialBoundaries(d.fractions, d.alpha, d.shape);
    expect(b.z).toHaveLength(d.z.length);
    d.z.forEach((c, k) => {
      expect(Math.abs((b.z[k] as number) - c), `look ${k + 1}: got ${b.z[k]}, scipy ${c}`).toBeLessThanOrEqual(d.tolerance);
      expect(b.spent[k]).toBeCloseTo(d.spent[k] as number, 14);
      expect(spendingFunction(d.fractions[k] as number, d.alpha, d.shape)).toBeCloseTo(d.spent[k] as number, 14);
    });
  });

  test.each(ref.designs.filter((d) => d.stagewise.length > 0).map((d) => [d.name, d] as const))('stagewise p-values: %s', (_name, d) => {
    for (const { z, p } of d.stagewise) {
      const adjusted = stagewiseAdjustedP(d.fractions, d.alpha, d.shape, normalCdf(-z));
      expect(Math.abs(adjusted - p), `z = ${z}: got ${adjusted}, scipy ${p}`).toBeLessThanOrEqual(1e-8);
    }
  });
});

describe('published values (Jennison & Turnbull 2000; one-sided α = 0.025, K = 5 equally spaced)', () => {
  const fractions = [0.2, 0.4, 0.6, 0.8, 1];
  test("O'Brien–Fleming type: 4.877, 3.357, 2.680, 2.290, 2.031", () => {
    const { z } = groupSequentialBoundaries(fractions, 0.025, 'obrien-fleming');
    [4.877, 3.357, 2.68, 2.29, 2.031].forEach((c, k) => expect(z[k]).toBeCloseTo(c, 3));
  });
  test('Pocock type: 2.438, 2.427, 2.410, 2.397, 2.386', () => {
    const { z } = groupSequentialBoundaries(fractions, 0.025, 'pocock');
    [2.438, 2.427, 2.41, 2.397, 2.386].forEach((c, k) => expect(z[k]).toBeCloseTo(c, 3));
  });
});
