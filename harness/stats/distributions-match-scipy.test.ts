import { describe, expect, test } from 'vitest';
import { normalCdf, normalPdf, normalQuantile, tCdf, tPdf, tQuantile } from './distributions.js';
import { REFERENCE_DIGITS, expectRelativelyClose, loadReferences } from './test-utils.js';

// References: fixtures/stats/welch-references.json, written by fixtures/scripts/make-stats-references.py
// (`exact`: mpmath at 50 digits; `cdf`/`quantile`: scipy.stats 1.17).
const ref = loadReferences();

describe('Student-t distribution with fractional df', () => {
  test('CDF matches the 50-digit references to 1e-10 relative, tails included', () => {
    for (const c of ref.tCdf) expectRelativelyClose(tCdf(c.t, c.df), c.exact, `tCdf(${c.t}, ${c.df})`);
  });

  test('CDF matches scipy to 9 decimal places', () => {
    // 9, not 10: scipy's stdtr(1, -1e-9) returns exactly 0.5 where the truth is 0.5 − 3.2e-10 (see the
    // script's docstring); every other value agrees with scipy to 10 places.
    for (const c of ref.tCdf) expect(tCdf(c.t, c.df), `tCdf(${c.t}, ${c.df})`).toBeCloseTo(c.cdf, REFERENCE_DIGITS - 1);
  });

  test('quantile matches the 50-digit references to 1e-10 relative, p from 1e-12 to 1 − 1e-6', () => {
    for (const c of ref.tQuantile) expectRelativelyClose(tQuantile(c.p, c.df), c.exact, `tQuantile(${c.p}, ${c.df})`);
  });

  test('quantile inverts the CDF', () => {
    for (const df of [0.6, 1, 2.2, 7.5, 40]) {
      for (const p of [1e-12, 1e-5, 0.01, 0.2, 0.49, 0.51, 0.9, 0.999]) {
        expectRelativelyClose(tCdf(tQuantile(p, df), df), p, `tCdf(tQuantile(${p}, ${df}))`, 1e-12);
      }
    }
  });

  test('closed forms at df = 1 (Cauchy) and df = 2', () => {
    // Lower tails written without cancellation: P(T ≤ −a) = atan(1/a)/π (df = 1) and
    // 1/(r(r + a)) with r = √(2 + a²) (df = 2).
    for (const a of [1e6, 3, 0.5, 1e-3]) {
      expectRelativelyClose(tCdf(-a, 1), Math.atan(1 / a) / Math.PI, `tCdf(${-a}, 1)`, 1e-13);
      const r = Math.sqrt(2 + a * a);
      expectRelativelyClose(tCdf(-a, 2), 1 / (r * (r + a)), `tCdf(${-a}, 2)`, 1e-13);
    }
    for (const p of [1e-10, 0.025, 0.3, 0.975]) {
      expectRelativelyClose(tQuantile(p, 1), -1 / Math.tan(Math.PI * p), `tQuantile(${p}, 1)`, 1e-12);
      expectRelativelyClose(tQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), `tQuantile(${p}, 2)`, 1e-12);
    }
  });

  test('density integrates to the CDF (Simpson on [−2, 1.5])', () => {
    for (const df of [0.8, 3.3, 25]) {
      const steps = 2000;
      const h = 3.5 / steps;
      let sum = tPdf(-2, df) + tPdf(1.5, df);
      for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * tPdf(-2 + i * h, df);
      expect((sum * h) / 3).toBeCloseTo(tCdf(1.5, df) - tCdf(-2, df), 10);
    }
  });

  test('infinite df is the standard normal; endpoints and bad input are handled', () => {
    expect(tCdf(-1.3, Infinity)).toBe(normalCdf(-1.3));
    expect(tQuantile(0.3, Infinity)).toBe(normalQuantile(0.3));
    expect(tQuantile(0, 4)).toBe(-Infinity);
    expect(tQuantile(1, 4)).toBe(Infinity);
    expect(tQuantile(0.5, 4)).toBe(0);
    expect(tCdf(-Infinity, 3)).toBe(0);
    expect(tCdf(Infinity, 3)).toBe(1);
    expect(() => tCdf(1, 0)).toThrow(/df must be > 0/);
    expect(() => tCdf(Number.NaN, 3)).toThrow(/NaN/);
    expect(() => tQuantile(1.2, 3)).toThrow(/p must be in \[0, 1\]/);
  });
});

describe('standard normal distribution', () => {
  test('CDF matches the 50-digit references to 1e-10 relative, down to Φ(−37) ≈ 6e-300', () => {
    for (const c of ref.normalCdf) expectRelativelyClose(normalCdf(c.x), c.exact, `normalCdf(${c.x})`);
  });

  test('quantile matches the 50-digit references to 1e-10 relative, p from 1e-300', () => {
    for (const c of ref.normalQuantile) expectRelativelyClose(normalQuantile(c.p), c.exact, `normalQuantile(${c.p})`);
  });

  test('CDF and quantile match scipy to 10 decimal places', () => {
    for (const c of ref.normalCdf) expect(normalCdf(c.x)).toBeCloseTo(c.cdf, REFERENCE_DIGITS);
    for (const c of ref.normalQuantile) expect(normalQuantile(c.p)).toBeCloseTo(c.quantile, REFERENCE_DIGITS);
  });

  test('density at 0 is 1/√(2π)', () => {
    expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
  });
});
