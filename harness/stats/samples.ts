/**
 * Preconditions on sample arrays: type guards and `asserts` functions for {@link Samples}.
 *
 * @module
 */

import type { Samples, SamplesOfTwoOrMore } from './types.js';

/** True when `values` has at least one element (narrows to {@link Samples}). */
export function isSamples(values: readonly number[]): values is Samples {
  return values.length >= 1;
}

/** True when `values` has at least two elements (narrows to {@link SamplesOfTwoOrMore}). */
export function isSamplesOfTwoOrMore(values: readonly number[]): values is SamplesOfTwoOrMore {
  return values.length >= 2;
}

/**
 * Throws a RangeError naming `what` unless every value is a finite number.
 * Failed trials must be left out as data upstream, never passed on as NaN.
 */
export function assertFinite(values: readonly number[], what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${what}: sample ${i} is ${String(v)}; every sample must be a finite number`);
    }
  }
}

/** Asserts that `values` is a non-empty array of finite numbers, naming `what` in the error. */
export function assertSamples(values: readonly number[], what = 'samples'): asserts values is Samples {
  if (!isSamples(values)) throw new RangeError(`${what}: needs at least one sample, got none`);
  assertFinite(values, what);
}

/**
 * `x · 2^e`, exact whenever the result is a normal number (the scaling of IEEE doubles is exact),
 * for any integer `e`: the factor is applied in steps so that 2^e itself never overflows or
 * underflows where the product would not.
 */
export function scaleByPowerOfTwo(x: number, e: number): number {
  let y = x;
  let rest = e;
  while (rest > 1023) {
    y *= 2 ** 1023;
    rest -= 1023;
    if (!Number.isFinite(y) || y === 0) return y;
  }
  while (rest < -1022) {
    y *= 2 ** -1022;
    rest += 1022;
    if (y === 0) return y;
  }
  return y * 2 ** rest;
}

/** The exponent e with 2^e ≤ x < 2^(e+1), for a finite x > 0 (subnormals included). */
export function binaryExponent(x: number): number {
  let e = Math.floor(Math.log2(x));
  // log2 may round across a power of two: settle e with exact comparisons.
  if (scaleByPowerOfTwo(1, e) > x) e -= 1;
  else if (scaleByPowerOfTwo(1, e + 1) <= x) e += 1;
  return e;
}

/**
 * Moments of one sample in a form that can neither overflow nor underflow: the sample is divided
 * by 2^exponent (its largest |value| then lies in [1, 2)) before squaring, so the sum of squared
 * deviations is computed on numbers of order 1. Without this, values near 1e308 overflow the sum
 * (mean = Infinity, sd = NaN) and values near 1e-300 underflow the squares (sd = 0). Dividing by a
 * power of two is exact, so results for ordinary samples are bit-for-bit those of the plain formula.
 */
export interface ScaledMoments {
  /** The mean, in the sample's own unit (finite for finite samples). */
  readonly mean: number;
  /** Sum of squared deviations from the mean, in units of 2^(2·exponent). */
  readonly scaledSs: number;
  /** The power of two the sample was divided by. */
  readonly exponent: number;
}

/**
 * {@link ScaledMoments} of a sample (corrected two-pass algorithm: accurate for large offsets such
 * as accuracies near 0.9). A constant sample gets scaledSs = 0 exactly.
 */
export function scaledMoments(values: Samples): ScaledMoments {
  const n = values.length;
  // A constant sample has exactly zero spread (rounding in the mean must not invent a tiny variance).
  if (values.every((v) => v === values[0])) return { mean: values[0], scaledSs: 0, exponent: 0 };
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const exponent = binaryExponent(max);
  const scaled = values.map((v) => scaleByPowerOfTwo(v, -exponent));
  let sum = 0;
  for (const v of scaled) sum += v;
  const mean0 = sum / n;
  let dev = 0;
  let sq = 0;
  for (const v of scaled) {
    const d = v - mean0;
    dev += d;
    sq += d * d;
  }
  // The residual sum of deviations corrects the rounding of the first mean.
  return { mean: scaleByPowerOfTwo(mean0 + dev / n, exponent), scaledSs: Math.max(0, sq - (dev * dev) / n), exponent };
}

/**
 * The sample standard deviation (n − 1 denominator) of a sample of two or more, from its
 * {@link ScaledMoments}: finite whenever the true value is below `Number.MAX_VALUE` (±Infinity, the
 * IEEE rounding, only beyond it), and 0 only for a constant sample or a true sd below the smallest
 * double.
 */
export function sampleSd(moments: ScaledMoments, n: number): number {
  return scaleByPowerOfTwo(Math.sqrt(moments.scaledSs / (n - 1)), moments.exponent);
}
