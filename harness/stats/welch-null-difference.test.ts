// Welch's test against a non-zero null difference Δ₀ (non-inferiority and margin tests).
// References: scipy 1.x, `ttest_ind(a - Δ₀, b, equal_var=False, alternative=…)` — shifting arm A by
// −Δ₀ is the textbook way to test H₀: diff = Δ₀.
import { describe, expect, test } from 'vitest';
import { welchOneSided } from './welch.js';

const a = [79.1, 80.4, 78.2, 81.0, 79.7];
const b = [80.3, 81.1, 79.9, 80.8];

describe('welchOneSided with nullDifference', () => {
  test('non-inferiority at margin 1 (Δ₀ = −1, greater) matches scipy on the shifted arm', () => {
    const c = welchOneSided(a, b, 'greater', { nullDifference: -1 });
    if (c.state !== 'computed') throw new Error('expected a computed comparison');
    expect(c.t).toBeCloseTo(0.27837699348903266, 10);
    expect(c.p).toBeCloseTo(0.39502583189361273, 10);
    expect(c.nullDifference).toBe(-1);
    // The difference, CIs and MDE are those of diff itself.
    const plain = welchOneSided(a, b, 'greater');
    if (plain.state !== 'computed') throw new Error('expected a computed comparison');
    expect(c.diff).toBe(plain.diff);
    expect(c.ciLow).toBe(plain.ciLow);
    expect(c.mde).toBe(plain.mde);
    expect(plain.nullDifference).toBeUndefined();
  });

  test('Δ₀ = 0.5, less, matches scipy', () => {
    const c = welchOneSided(a, b, 'less', { nullDifference: 0.5 });
    if (c.state !== 'computed') throw new Error('expected a computed comparison');
    expect(c.t).toBeCloseTo(-2.415593911243522, 10);
    expect(c.p).toBeCloseTo(0.02605111478872992, 10);
  });

  test('zero variance: decided by the side of Δ₀ the difference lies on', () => {
    const same = welchOneSided([80, 80], [80, 80], 'greater', { nullDifference: -1 });
    expect(same.state === 'computed' && same.p).toBe(0);
    const worse = welchOneSided([78, 78], [80, 80], 'greater', { nullDifference: -1 });
    expect(worse.state === 'computed' && worse.p).toBe(1);
    const onTheMargin = welchOneSided([79, 79], [80, 80], 'greater', { nullDifference: -1 });
    expect(onTheMargin.state === 'computed' && onTheMargin.p).toBe(1);
  });

  test('a non-finite Δ₀ is refused by name', () => {
    expect(() => welchOneSided(a, b, 'less', { nullDifference: Number.NaN })).toThrow(/nullDifference must be finite, got NaN/);
  });
});
