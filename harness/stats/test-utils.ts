/**
 * Shared helpers of the harness/stats tests: the golden references written by
 * fixtures/scripts/make-stats-references.py, tolerances in one place, and binomial acceptance ranges
 * for Monte-Carlo checks. Not part of the public entry.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Alternative } from './types.js';

/** Decimal digits for `toBeCloseTo` on p, t, df and CI ends (absolute error < 5e-11). */
export const REFERENCE_DIGITS = 10;

/** Relative tolerance against the 50-digit mpmath references and scipy's Welch results. */
export const RELATIVE_TOLERANCE = 1e-10;

/** One Welch case computed by scipy (see the script for each field's source). */
export interface WelchReference {
  readonly name: string;
  readonly a: number[];
  readonly b: number[];
  readonly alternative: Alternative;
  readonly statistic: number;
  readonly df: number;
  readonly pvalue: number;
  readonly meanA: number;
  readonly meanB: number;
  readonly sdA: number;
  readonly sdB: number;
  readonly se: number;
  /** Two-sided test's `confidence_interval(0.95)`. */
  readonly ciTwoSided: [number, number];
  /** One-sided test's `confidence_interval(0.95)`; the infinite end is `null`. */
  readonly ciOneSided: [number | null, number | null];
  readonly hedgesG: number;
  readonly hedgesGApprox: number;
  readonly mde: number;
  readonly powerAtMdeNct: number;
}

/** Golden values of fixtures/stats/welch-references.json. */
export interface StatsReferences {
  readonly generatedBy: string;
  readonly versions: Record<string, string>;
  readonly alpha: number;
  readonly power: number;
  readonly welch: WelchReference[];
  /** `cdf`: scipy; `exact`: mpmath, 50 digits. */
  readonly tCdf: Array<{ t: number; df: number; cdf: number; exact: number }>;
  readonly tQuantile: Array<{ p: number; df: number; quantile: number; exact: number }>;
  readonly normalCdf: Array<{ x: number; cdf: number; exact: number }>;
  readonly normalQuantile: Array<{ p: number; quantile: number; exact: number }>;
  readonly bh: Array<{ name: string; p: number[]; q: number[] }>;
  /** True size of the one-sided Welch test at `alpha` under the null, by a 1e6-run scipy simulation. */
  readonly welchNullSize: Array<{ n: number; alpha: number; runs: number; size: number; se: number }>;
}

/** Reads fixtures/stats/welch-references.json. */
export function loadReferences(): StatsReferences {
  const url = new URL('../../fixtures/stats/welch-references.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as StatsReferences;
}

/** Expects |actual − expected| ≤ rel·|expected| (exact equality for expected = 0 or ±Infinity). */
export function expectRelativelyClose(actual: number, expected: number, label: string, rel = RELATIVE_TOLERANCE): void {
  if (expected === 0 || !Number.isFinite(expected)) {
    expect(actual, label).toBe(expected);
    return;
  }
  const error = Math.abs(actual - expected) / Math.abs(expected);
  expect(error, `${label}: got ${actual}, expected ${expected} (relative error ${error})`).toBeLessThanOrEqual(rel);
}

/**
 * The central acceptance range [low, high] of a Binomial(n, p) count at the given level (e.g. 0.999):
 * P(X < low) ≤ (1 − level)/2 and P(X > high) ≤ (1 − level)/2, from the exact pmf.
 */
export function binomialAcceptanceRange(n: number, p: number, level: number): { low: number; high: number } {
  const tail = (1 - level) / 2;
  // ln pmf by the ratio recursion (the pmf itself underflows at the ends for large n).
  const lnPmf: number[] = [n * Math.log1p(-p)];
  for (let k = 0; k < n; k++) lnPmf.push((lnPmf[k] as number) + Math.log(((n - k) * p) / ((k + 1) * (1 - p))));
  const pmf = lnPmf.map(Math.exp);
  let low = 0;
  let below = 0;
  while (below + (pmf[low] as number) <= tail) below += pmf[low++] as number;
  let high = n;
  let above = 0;
  while (above + (pmf[high] as number) <= tail) above += pmf[high--] as number;
  return { low, high };
}

/** n standard-normal draws scaled and shifted: mean + sd·Z. */
export function normalSample(draw: () => number, n: number, mean = 0, sd = 1): number[] {
  return Array.from({ length: n }, () => mean + sd * draw());
}
