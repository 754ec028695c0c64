import { describe, expect, test } from 'vitest';
import type { Alternative, ComputedComparison } from './types.js';
import { welchOneSided } from './welch.js';

function computed(a: readonly number[], b: readonly number[], alternative: Alternative): ComputedComparison {
  const c = welchOneSided(a, b, alternative);
  if (c.state !== 'computed') throw new Error(`expected a computed comparison, got ${c.reason}`);
  return c;
}

describe('fewer than two samples in an arm gives insufficient-data, never a p-value', () => {
  test.each([
    ['one sample in A', [1], [1, 2, 3], /arm A has 1/],
    ['one sample in B', [1, 2, 3], [4], /arm B has 1/],
    ['empty A', [], [1, 2], /arm A has 0/],
    ['both arms short', [1], [], /arm A has 1 and arm B has 0/],
  ] as const)('%s', (_name, a, b, reason) => {
    for (const alternative of ['less', 'greater'] as const) {
      const c = welchOneSided(a, b, alternative);
      expect(c.state).toBe('insufficient-data');
      if (c.state !== 'insufficient-data') return;
      expect(c.reason).toMatch(reason);
      expect(c.reason).toMatch(/at least 2 per arm/);
      expect(c.nA).toBe(a.length);
      expect(c.nB).toBe(b.length);
      expect(c.alternative).toBe(alternative);
      expect('p' in c).toBe(false);
    }
  });
});

describe('zero variance in both arms gives a deterministic, flagged result', () => {
  test('equal constants: t = 0 and p = 1 in both directions, CIs collapse to 0', () => {
    for (const alternative of ['less', 'greater'] as const) {
      // 0.1 + 0.1 + 0.1 ≠ 0.3 in binary: rounding in the mean must not invent a variance.
      const c = computed([0.1, 0.1, 0.1], [0.1, 0.1], alternative);
      expect(c).toMatchObject({ zeroVariance: true, diff: 0, se: 0, t: 0, p: 1, df: 3, ciLow: 0, ciHigh: 0, ciBound: 0 });
      expect(c).toMatchObject({ sdA: 0, sdB: 0, hedgesG: 0, mde: 0 });
    }
  });

  test('different constants: p = 0 when the difference lies in the direction of the alternative, else 1', () => {
    const less = computed([1, 1, 1], [2, 2], 'less');
    expect(less).toMatchObject({ zeroVariance: true, diff: -1, t: -Infinity, p: 0, ciLow: -1, ciHigh: -1, ciBound: -1 });
    expect(less.hedgesG).toBe(-Infinity);
    expect(computed([1, 1, 1], [2, 2], 'greater').p).toBe(1);
    expect(computed([3, 3], [2, 2, 2, 2], 'greater')).toMatchObject({ t: Infinity, p: 0 });
    expect(computed([3, 3], [2, 2, 2, 2], 'less').p).toBe(1);
  });

  test('zero variance in one arm only is an ordinary Welch test with df = n − 1 of the other arm', () => {
    const c = computed([5, 5, 5, 5], [4, 6, 5.5, 7, 3.5], 'less');
    expect(c.zeroVariance).toBe(false);
    expect(c.sdA).toBe(0);
    expect(c.df).toBeCloseTo(4, 12);
    expect(c.p).toBeGreaterThan(0);
    expect(c.p).toBeLessThan(1);
  });
});

describe('bad input is rejected with a clear error', () => {
  test('non-finite samples name the arm and the index', () => {
    expect(() => welchOneSided([1, Number.NaN, 2], [1, 2], 'less')).toThrow(/arm A: sample 1 is NaN/);
    expect(() => welchOneSided([1, 2], [1, Infinity], 'less')).toThrow(/arm B: sample 1 is Infinity/);
  });

  test('alpha, power and alternative are checked', () => {
    expect(() => welchOneSided([1, 2], [1, 2], 'less', { alpha: 0 })).toThrow(/alpha must be in \(0, 1\)/);
    expect(() => welchOneSided([1, 2], [1, 2], 'less', { power: 1 })).toThrow(/power must be in \(0, 1\)/);
    expect(() => welchOneSided([1, 2], [1, 2], 'two-sided' as unknown as Alternative)).toThrow(/alternative must be/);
  });

  test('alpha sets the CI levels and the MDE but not the p-value', () => {
    const a = [0.91, 0.9, 0.93, 0.89];
    const b = [0.94, 0.95, 0.93];
    const at05 = computed(a, b, 'less');
    const at01 = welchOneSided(a, b, 'less', { alpha: 0.01 });
    if (at01.state !== 'computed') throw new Error('expected computed');
    expect(at01.p).toBe(at05.p);
    expect(at01.alpha).toBe(0.01);
    expect(at01.ciHigh - at01.ciLow).toBeGreaterThan(at05.ciHigh - at05.ciLow);
    expect(at01.ciBound).toBeGreaterThan(at05.ciBound);
    expect(at01.mde).toBeGreaterThan(at05.mde);
  });
});
