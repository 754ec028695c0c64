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
 * Mean and sum of squared deviations from it (corrected two-pass algorithm: accurate for large
 * offsets such as accuracies near 0.9). A constant sample gets ss = 0 exactly.
 */
export function meanAndSquaredDeviations(values: Samples): { mean: number; ss: number } {
  const n = values.length;
  // A constant sample has exactly zero spread (rounding in the mean must not invent a tiny variance).
  if (values.every((v) => v === values[0])) return { mean: values[0], ss: 0 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean0 = sum / n;
  let dev = 0;
  let sq = 0;
  for (const v of values) {
    const d = v - mean0;
    dev += d;
    sq += d * d;
  }
  // The residual sum of deviations corrects the rounding of the first mean.
  return { mean: mean0 + dev / n, ss: Math.max(0, sq - (dev * dev) / n) };
}
