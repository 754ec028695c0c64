/**
 * Descriptive statistics of one arm (tinybench's `computeStatistics`, trimmed to what a verdict needs).
 *
 * @module
 */

import { medianSorted } from 'simple-statistics';
import { assertSamples, sampleSd, scaledMoments } from './samples.js';
import type { Samples, Summary } from './types.js';

/**
 * n, mean, sd (n − 1 denominator), sem, min, max and median of a non-empty sample.
 * sd and sem are `null` for a single sample (undefined, not zero). Throws a RangeError on an empty
 * array or a non-finite value.
 */
export function summarize(samples: Samples): Summary {
  assertSamples(samples, 'summarize');
  const n = samples.length;
  const moments = scaledMoments(samples);
  const mean = moments.mean;
  const sorted = [...samples].sort((x, y) => x - y);
  const sd = n >= 2 ? sampleSd(moments, n) : null;
  return {
    n,
    mean,
    sd,
    sem: sd === null ? null : sd / Math.sqrt(n),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    median: medianSorted(sorted),
  };
}
