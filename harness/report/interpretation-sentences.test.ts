import { describe, expect, test } from 'vitest';
import {
  formatAdaptive,
  formatBudget,
  formatChange,
  formatMeanSd,
  formatNumber,
  formatP,
  formatPEquals,
  formatPp,
  interpretComparison,
  verdictOf,
} from './interpret.js';
import type { ResultsComparison, ResultsComputedComparison } from './types.js';
import { loadExampleResults } from './test-utils.js';

function computed(overrides: Partial<ResultsComputedComparison>): ResultsComputedComparison {
  return {
    state: 'computed',
    alternative: 'less',
    alpha: 0.05,
    meanA: 2.5,
    meanB: 5.6,
    sdA: 0.8,
    sdB: 0.6,
    nA: 3,
    nB: 3,
    diff: -3.1,
    se: 0.58,
    t: -5.4,
    df: 3.7,
    p: 0.002,
    q: 0.004,
    ciLow: -4.8,
    ciHigh: -1.4,
    ciBound: -1.8,
    hedgesG: -3.5,
    mde: 2.1,
    power: 0.8,
    zeroVariance: false,
    ...overrides,
  };
}

describe('number formatting', () => {
  test('p and q keep two significant digits and print tiny values as <1e-4', () => {
    expect(formatP(0.41)).toBe('0.41');
    expect(formatP(0.0421)).toBe('0.042');
    expect(formatP(0.00421)).toBe('0.0042');
    expect(formatP(0.0001)).toBe('0.00010');
    expect(formatP(0.00009)).toBe('<1e-4');
    expect(formatP(0)).toBe('<1e-4');
    expect(formatP(1)).toBe('1.0');
    expect(formatP(null)).toBe('—');
    expect(formatPEquals('q', 0.004)).toBe('q = 0.0040');
    expect(formatPEquals('p', 1e-7)).toBe('p < 1e-4');
  });

  test('percentage points carry an explicit sign and a Unicode minus', () => {
    expect(formatPp(3.14)).toBe('+3.1 pp');
    expect(formatPp(-3.14)).toBe('\u22123.1 pp');
    expect(formatPp(-0.01)).toBe('0.0 pp');
    expect(formatPp(0)).toBe('0.0 pp');
    expect(formatNumber(-0.004, 2)).toBe('0.00');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatChange(-1.23, 'deltaImprovement')).toBe('\u22121.2 pp');
    expect(formatChange(0.333, 'skipConnections')).toBe('+0.33');
    expect(formatAdaptive(123.4)).toBe('123');
    expect(formatAdaptive(0.0421)).toBe('0.042');
  });

  test('budgets print as percentages and summaries as mean ± sd', () => {
    expect(formatBudget(0.01)).toBe('1%');
    expect(formatBudget(0.1)).toBe('10%');
    expect(formatBudget(0.005)).toBe('0.5%');
    expect(formatBudget(0)).toBe('0%');
    expect(formatMeanSd({ mean: 87.966, sd: 0.602, values: [1, 2, 3] })).toBe('87.97 ± 0.60');
    expect(formatMeanSd({ mean: 85.3, sd: null, values: [85.3] })).toBe('85.30 (n = 1)');
    expect(formatMeanSd({ mean: null, sd: null, values: [] })).toBe('—');
  });
});

describe('interpretation sentences', () => {
  test('a significant drop states the size, q and g', () => {
    expect(interpretComparison('deltaImprovement', computed({}), 0.05)).toBe('ΔImp fell by 3.1 pp (q = 0.0040, g = \u22123.5): significant.');
    expect(interpretComparison('accuracy', computed({}), 0.05)).toMatch(/^Accuracy fell by 3\.1 pp/);
    expect(interpretComparison('skipConnections', computed({ alternative: 'greater', diff: 2.7, hedgesG: 2.6 }), 0.05)).toBe(
      'skipConnections rose by 2.7 (q = 0.0040, g = 2.6): significant.',
    );
  });

  test('a non-significant result always states the minimum detectable difference at the run’s power', () => {
    const text = interpretComparison('deltaImprovement', computed({ q: 0.41, diff: -0.4, mde: 4.2 }), 0.05);
    expect(text).toBe(
      'No significant drop in ΔImp (change \u22120.4 pp, q = 0.41); with n = 3 per arm only a drop ≥ 4.2 pp would have been detected with 80% power.',
    );
    const unequal = interpretComparison('accuracy', computed({ q: 0.2, nA: 3, nB: 10, power: 0.9 }), 0.05);
    expect(unequal).toMatch(/with n = 3 poisoned and 10 control trials only a drop ≥ 2\.1 pp would have been detected with 90% power\.$/);
    const zero = interpretComparison('accuracy', computed({ q: 1, diff: 0, mde: 0, zeroVariance: true }), 0.05);
    expect(zero).toMatch(/zero variance in both arms, any drop would have been detected\.$/);
  });

  test('insufficient data gives no verdict and names both arm sizes', () => {
    const c: ResultsComparison = { state: 'insufficient-data', reason: 'arm A has 1 sample(s)', alternative: 'less', nA: 1, nB: 3 };
    expect(verdictOf(c, 0.05)).toBe('insufficient-data');
    expect(interpretComparison('deltaImprovement', c, 0.05)).toBe(
      "Insufficient data for ΔImp (n = 1 poisoned, 3 control; Welch's test needs at least 2 per arm): no verdict, neither a pass nor evidence of robustness.",
    );
  });

  test('the verdict is significant exactly when q ≤ α', () => {
    expect(verdictOf(computed({ q: 0.05 }), 0.05)).toBe('significant');
    expect(verdictOf(computed({ q: 0.0500001 }), 0.05)).toBe('not-significant');
  });

  test('every not-significant comparison of the fixture carries an MDE sentence', () => {
    const results = loadExampleResults();
    const notSignificant = results.comparisons.filter((c) => c.verdict === 'not-significant');
    expect(notSignificant.length).toBeGreaterThan(0);
    for (const c of notSignificant) expect(c.interpretation).toMatch(/with n = \d+ .*only a (drop|rise) ≥ [\d.]+( pp)? would have been detected with 80% power\.$/);
  });
});
