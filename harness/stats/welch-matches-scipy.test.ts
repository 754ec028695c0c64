import ttest2 from '@stdlib/stats-ttest2';
import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import type { ComputedComparison } from './types.js';
import { welchOneSided } from './welch.js';
import { REFERENCE_DIGITS, expectRelativelyClose, loadReferences, normalSample } from './test-utils.js';

// References: scipy.stats.ttest_ind(a, b, equal_var=False, alternative=…) and its
// confidence_interval(0.95), from fixtures/scripts/make-stats-references.py.
const ref = loadReferences();

function computed(a: readonly number[], b: readonly number[], alternative: 'less' | 'greater'): ComputedComparison {
  const c = welchOneSided(a, b, alternative, { alpha: ref.alpha, power: ref.power });
  if (c.state !== 'computed') throw new Error(`expected a computed comparison, got ${c.reason}`);
  return c;
}

describe('one-sided Welch test matches scipy.stats.ttest_ind(equal_var=False)', () => {
  test.each(ref.welch.map((c) => [c.name, c] as const))('%s', (_name, r) => {
    const c = computed(r.a, r.b, r.alternative);
    expect(c.alternative).toBe(r.alternative);
    expect(c.nA).toBe(r.a.length);
    expect(c.nB).toBe(r.b.length);
    expect(c.t).toBeCloseTo(r.statistic, REFERENCE_DIGITS);
    expect(c.df).toBeCloseTo(r.df, REFERENCE_DIGITS);
    expect(c.p).toBeCloseTo(r.pvalue, REFERENCE_DIGITS);
    expectRelativelyClose(c.df, r.df, 'df');
    // Relative on p as well, so that tiny p-values (7e-12 in 'huge-t-less') keep their digits, and on t
    // except where t ≈ 0 comes from a cancelling difference of means.
    expectRelativelyClose(c.p, r.pvalue, 'p', 1e-9);
    if (Math.abs(r.statistic) > 1e-6) expectRelativelyClose(c.t, r.statistic, 't', 1e-9);
    expect(c.meanA).toBeCloseTo(r.meanA, 12);
    expect(c.meanB).toBeCloseTo(r.meanB, 12);
    expectRelativelyClose(c.sdA, r.sdA, 'sdA');
    expectRelativelyClose(c.sdB, r.sdB, 'sdB');
    expectRelativelyClose(c.se, r.se, 'se');
    expect(c.ciLow).toBeCloseTo(r.ciTwoSided[0], REFERENCE_DIGITS);
    expect(c.ciHigh).toBeCloseTo(r.ciTwoSided[1], REFERENCE_DIGITS);
    const [oneLow, oneHigh] = r.ciOneSided;
    if (r.alternative === 'less') {
      expect(oneLow).toBeNull();
      expect(c.ciBound).toBeCloseTo(oneHigh as number, REFERENCE_DIGITS);
    } else {
      expect(oneHigh).toBeNull();
      expect(c.ciBound).toBeCloseTo(oneLow as number, REFERENCE_DIGITS);
    }
    expectRelativelyClose(c.hedgesG, r.hedgesG, 'hedgesG', 1e-9);
    expectRelativelyClose(c.mde, r.mde, 'mde');
    expect(c.zeroVariance).toBe(false);
    expect(c.q).toBeUndefined();
  });

  test("'less' and 'greater' p-values on the same data sum to 1", () => {
    for (const r of ref.welch) {
      expect(computed(r.a, r.b, 'less').p + computed(r.a, r.b, 'greater').p).toBeCloseTo(1, 14);
    }
  });

  test('the one-sided bound excludes 0 exactly when p < α', () => {
    for (const r of ref.welch) {
      for (const alternative of ['less', 'greater'] as const) {
        const c = computed(r.a, r.b, alternative);
        const excludesZero = alternative === 'less' ? c.ciBound < 0 : c.ciBound > 0;
        expect(excludesZero, `${r.name} ${alternative}`).toBe(c.p < c.alpha);
      }
    }
  });
});

describe('one-sided Welch test agrees with @stdlib/stats-ttest2 on random data', () => {
  test('t, df, p and two-sided CI on 200 seeded draws with unequal n and sds', () => {
    const rng = new Rng(7).child('stdlib-cross-check');
    const draw = (): number => rng.normal();
    for (let i = 0; i < 200; i++) {
      const nA = 2 + rng.int(12);
      const nB = 2 + rng.int(12);
      const a = normalSample(draw, nA, 0, 0.2 + 3 * rng.uniform());
      const b = normalSample(draw, nB, 2 * rng.uniform() - 1, 0.2 + 3 * rng.uniform());
      const alternative = rng.uniform() < 0.5 ? 'less' : 'greater';
      const ours = computed(a, b, alternative);
      const theirs = ttest2(a, b, { alternative, variance: 'unequal' });
      expect(ours.t).toBeCloseTo(theirs.statistic, 10);
      expect(ours.df).toBeCloseTo(theirs.df, 9);
      expect(ours.p).toBeCloseTo(theirs.pValue, 9);
      const two = ttest2(a, b, { variance: 'unequal' });
      expect(ours.ciLow).toBeCloseTo(two.ci[0] as number, 8);
      expect(ours.ciHigh).toBeCloseTo(two.ci[1] as number, 8);
    }
  });
});
