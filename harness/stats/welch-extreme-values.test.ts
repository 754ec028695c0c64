// Finite samples at the edges of the double range: near ±1e308 the plain sum of squares overflows
// (it threw "sdA must be a finite number ≥ 0, got NaN"), near 1e-300 the squares underflow (a false
// zero variance). References: exact mpmath moments and scipy.stats (t.cdf/t.sf, t.ppf, and
// ttest_ind on the samples scaled by a power of two), from
// fixtures/scripts/make-welch-extreme-references.py.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { summarize } from './summary.js';
import type { Alternative, ComputedComparison } from './types.js';
import { welchOneSided } from './welch.js';
import { RELATIVE_TOLERANCE, expectRelativelyClose } from './test-utils.js';
import { binaryExponent, scaleByPowerOfTwo } from './samples.js';

interface ExtremeCase {
  name: string;
  a: number[];
  b: number[];
  alternative: Alternative;
  nullDifference: number;
  scipyTtest: boolean;
  t: number;
  df: number;
  p: number;
  hedgesG: number;
  /** Decimal strings: some lie beyond the double range. */
  meanA: string;
  meanB: string;
  sdA: string;
  sdB: string;
  diff: string;
  se: string;
  ciLow: string;
  ciHigh: string;
  ciBound: string;
  mde: string;
}

const ref = JSON.parse(readFileSync(new URL('../../fixtures/stats/welch-extreme-references.json', import.meta.url), 'utf8')) as {
  alpha: number;
  power: number;
  cases: ExtremeCase[];
};

/**
 * A magnitude against its exact decimal value: Number(text) is the correctly rounded double (±Infinity
 * beyond the range). Relative error as elsewhere, but never tighter than two subnormal steps, where a
 * double cannot be relatively close.
 */
function expectMagnitude(actual: number, text: string, label: string): void {
  const expected = Number(text);
  if (!Number.isFinite(expected)) {
    expect(actual, `${label}: ${text} is beyond the double range`).toBe(expected);
    return;
  }
  const tolerance = Math.max(RELATIVE_TOLERANCE * Math.abs(expected), 2 * Number.MIN_VALUE);
  expect(Math.abs(actual - expected), `${label}: got ${actual}, expected ${text}`).toBeLessThanOrEqual(tolerance);
}

describe('Welch on finite samples at the edges of the double range matches the exact values', () => {
  test.each(ref.cases.map((c) => [c.name, c] as const))('%s', (_name, r) => {
    const c = welchOneSided(r.a, r.b, r.alternative, { alpha: ref.alpha, power: ref.power, nullDifference: r.nullDifference });
    expect(c.state).toBe('computed');
    const computed = c as ComputedComparison;
    expect(computed.zeroVariance).toBe(false);
    for (const field of ['t', 'df', 'hedgesG'] as const) expectRelativelyClose(computed[field], r[field], field, 1e-12);
    expectRelativelyClose(computed.p, r.p, 'p', 1e-9);
    for (const field of ['meanA', 'meanB', 'sdA', 'sdB', 'diff', 'se', 'ciLow', 'ciHigh', 'ciBound', 'mde'] as const) {
      expectMagnitude(computed[field], r[field], field);
    }
  });

  test('the cases cover an overflowing sum, an overflowing diff, underflowing squares and subnormals', () => {
    // Guards the fixture: these are the failures the scaled computation exists for.
    const values = ref.cases.flatMap((c) => [...c.a, ...c.b]);
    expect(ref.cases.some((c) => c.a.reduce((s, v) => s + v, 0) === Infinity)).toBe(true);
    expect(ref.cases.some((c) => Number(c.diff) === -Infinity)).toBe(true);
    expect(values.some((v) => v !== 0 && Math.abs(v) < 1e-299 && v * v === 0)).toBe(true);
    expect(values.some((v) => v !== 0 && Math.abs(v) < 2.2250738585072014e-308)).toBe(true);
  });

  test('summarize gives the exact sd near 1e308 and near 1e-300', () => {
    const near = ref.cases[0]!;
    expectMagnitude(summarize(near.a as [number, ...number[]]).sd!, near.sdA, 'sd near 1e308');
    const tiny = ref.cases.find((c) => c.name.startsWith('near 1e-300'))!;
    expectMagnitude(summarize(tiny.b as [number, ...number[]]).sd!, tiny.sdB, 'sd near 1e-300');
  });
});

describe('power-of-two scaling', () => {
  test('binaryExponent brackets x between 2^e and 2^(e+1), subnormals and the largest double included', () => {
    for (const x of [Number.MIN_VALUE, 3e-320, 2.2250738585072014e-308, 1e-300, 0.75, 1, 2 ** 52 - 1, 2 ** 52, 1e308, Number.MAX_VALUE]) {
      const e = binaryExponent(x);
      expect(scaleByPowerOfTwo(1, e), `2^${e} ≤ ${x}`).toBeLessThanOrEqual(x);
      expect(scaleByPowerOfTwo(1, e + 1), `${x} < 2^${e + 1}`).toBeGreaterThan(x);
    }
  });

  test('scaleByPowerOfTwo is exact across the range where 2^e alone would overflow', () => {
    expect(scaleByPowerOfTwo(Number.MIN_VALUE, 1074 + 1023)).toBe(2 ** 1023);
    expect(scaleByPowerOfTwo(2 ** 1023, -1023 - 1074)).toBe(Number.MIN_VALUE);
    expect(scaleByPowerOfTwo(1.5, 1023)).toBe(1.5 * 2 ** 1023);
    expect(scaleByPowerOfTwo(3, 1024)).toBe(Infinity);
  });
});
