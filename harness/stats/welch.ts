/**
 * One-sided Welch two-sample t-test (unequal variances), with CIs, Hedges' g and the MDE in one
 * record (tinybench-style: one pure function from samples to a statistics object).
 *
 * @module
 */

import { DEFAULT_ALPHA, DEFAULT_POWER, MIN_SAMPLES_PER_ARM } from './constants.js';
import { tCdf, tQuantile } from './distributions.js';
import { hedgesG, minimumDetectableDifference, welchDf } from './effect.js';
import { assertFinite, binaryExponent, isSamplesOfTwoOrMore, sampleSd, scaleByPowerOfTwo, scaledMoments, type ScaledMoments } from './samples.js';
import type { Alternative, Comparison, WelchOptions } from './types.js';

/**
 * One-sided Welch t-test of arm `a` against arm `b`.
 *
 * - `alternative: 'less'` tests H₁: mean(a) < mean(b), p = P(T ≤ t); `'greater'` tests
 *   H₁: mean(a) > mean(b), p = P(T ≥ t); T ~ Student-t with the Welch–Satterthwaite df (fractional).
 *   Matches `scipy.stats.ttest_ind(a, b, equal_var=False, alternative=…)`.
 * - Fewer than 2 samples in either arm gives `{ state: 'insufficient-data' }` — never a p-value, so
 *   a test with too little data can neither pass nor fail silently.
 * - Zero variance in both arms (all samples of each arm equal) makes se = 0 and t undefined; the
 *   result is then deterministic and flagged `zeroVariance: true`:
 *   equal constants → t = 0, **p = 1** (no evidence in either direction; p = 1 keeps the comparison in
 *   a BH family without ever rejecting, where the mid-p convention 0.5 would still count towards
 *   rejection thresholds); different constants → t = ±Infinity and p = 0 when the difference lies in
 *   the direction of the alternative, 1 otherwise. The CIs then collapse to diff, df is nA + nB − 2.
 * - Zero variance in one arm only is an ordinary Welch test (df = n − 1 of the other arm).
 * - `nullDifference` Δ₀ moves the null from diff = 0 to diff = Δ₀ (t = (diff − Δ₀)/se): the
 *   non-inferiority test "A is not below B by δ or more" is `alternative: 'greater'` with Δ₀ = −δ.
 *   Same as testing a − Δ₀ against b; the CIs and the MDE stay those of diff.
 *
 * @param a - arm A samples (e.g. poisoned-arm accuracies); every value must be finite.
 * @param b - arm B samples (e.g. clean control); every value must be finite.
 * @param options - `alpha` (default 0.05): level of the two-sided (1 − α) CI, the one-sided bound and
 *   the MDE; `power` (default 0.8) for the MDE. The p-value itself does not depend on either.
 * @throws RangeError on a non-finite sample, α or power outside (0, 1), or an unknown alternative.
 */
export function welchOneSided(
  a: readonly number[],
  b: readonly number[],
  alternative: Alternative,
  options: WelchOptions = {},
): Comparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const power = options.power ?? DEFAULT_POWER;
  const delta0 = options.nullDifference ?? 0;
  if (alternative !== 'less' && alternative !== 'greater') {
    throw new RangeError(`welchOneSided: alternative must be 'less' or 'greater', got ${String(alternative)}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`welchOneSided: alpha must be in (0, 1), got ${alpha}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`welchOneSided: power must be in (0, 1), got ${power}`);
  if (!Number.isFinite(delta0)) throw new RangeError(`welchOneSided: nullDifference must be finite, got ${delta0}`);
  assertFinite(a, 'welchOneSided: arm A');
  assertFinite(b, 'welchOneSided: arm B');

  const nA = a.length;
  const nB = b.length;
  if (!isSamplesOfTwoOrMore(a) || !isSamplesOfTwoOrMore(b)) {
    const short = [nA < MIN_SAMPLES_PER_ARM ? `arm A has ${nA}` : '', nB < MIN_SAMPLES_PER_ARM ? `arm B has ${nB}` : '']
      .filter((s) => s !== '')
      .join(' and ');
    return {
      state: 'insufficient-data',
      reason: `${short} sample(s); Welch's test needs at least ${MIN_SAMPLES_PER_ARM} per arm`,
      alternative,
      nA,
      nB,
    };
  }

  // Every quantity is computed on numbers of order 1 and scaled back by powers of two (exact), so
  // finite samples near ±1e308 or 1e-300 give the true t, df, p and g instead of NaN or a spurious
  // zero variance. Scale-free results (t, df, p, g) are finite whenever the true ones are; the
  // magnitudes (sds, diff, se, CIs, MDE) are ±Infinity only where the true value exceeds the double
  // range. For ordinary samples every number is bit-for-bit the plain formula's.
  const momentsA = scaledMoments(a);
  const momentsB = scaledMoments(b);
  const meanA = momentsA.mean;
  const meanB = momentsB.mean;
  const sdA = sampleSd(momentsA, nA);
  const sdB = sampleSd(momentsB, nB);
  // D: the scale of the means (diff and Δ₀ are computed in units of 2^D).
  const largestMean = Math.max(Math.abs(meanA), Math.abs(meanB), Math.abs(delta0));
  const D = largestMean > 0 ? binaryExponent(largestMean) : 0;
  // S: the scale of the spread (the larger arm's sd lies in [1, 2) units of 2^S).
  const sdExponent = (m: ScaledMoments, n: number) => (m.scaledSs > 0 ? binaryExponent(Math.sqrt(m.scaledSs / (n - 1))) + m.exponent : -Infinity);
  const S = Math.max(sdExponent(momentsA, nA), sdExponent(momentsB, nB));
  const zeroVariance = S === -Infinity;
  const spreadUnit = zeroVariance ? 0 : S;
  const sdAs = scaleByPowerOfTwo(Math.sqrt(momentsA.scaledSs / (nA - 1)), momentsA.exponent - spreadUnit);
  const sdBs = scaleByPowerOfTwo(Math.sqrt(momentsB.scaledSs / (nB - 1)), momentsB.exponent - spreadUnit);
  const meanAd = scaleByPowerOfTwo(meanA, -D);
  const meanBd = scaleByPowerOfTwo(meanB, -D);
  const diffD = meanAd - meanBd;
  // Distance from the null value; computed as one difference so Δ₀ = 0 gives exactly diff.
  const excessD = delta0 === 0 ? diffD : meanAd - (meanBd + scaleByPowerOfTwo(delta0, -D));
  const seS = Math.sqrt((sdAs * sdAs) / nA + (sdBs * sdBs) / nB);
  const df = welchDf(sdAs, sdBs, nA, nB);
  const diff = scaleByPowerOfTwo(diffD, D);
  const se = scaleByPowerOfTwo(seS, spreadUnit);

  let t: number;
  let p: number;
  if (!zeroVariance) {
    t = scaleByPowerOfTwo(excessD / seS, D - spreadUnit);
    p = alternative === 'less' ? tCdf(t, df) : tCdf(-t, df);
  } else if (excessD === 0) {
    t = 0;
    p = 1;
  } else {
    t = excessD > 0 ? Infinity : -Infinity;
    p = (alternative === 'less') === excessD < 0 ? 0 : 1;
  }

  // CI ends in units of 2^D, so that diff ± half-width only overflows where the true end does.
  const inMeanUnits = (x: number) => scaleByPowerOfTwo(x, spreadUnit - D);
  const halfWidthD = inMeanUnits(tQuantile(1 - alpha / 2, df) * seS);
  const oneSidedD = inMeanUnits(tQuantile(1 - alpha, df) * seS);
  // Hedges' g is scale-free: the difference and the sds enter in one unit (2^S).
  const g = hedgesG({ n: nA, mean: scaleByPowerOfTwo(diffD, D - spreadUnit), sd: sdAs }, { n: nB, mean: 0, sd: sdBs });
  return {
    state: 'computed',
    alternative,
    alpha,
    meanA,
    meanB,
    sdA,
    sdB,
    nA,
    nB,
    diff,
    se,
    t,
    df,
    p,
    ciLow: scaleByPowerOfTwo(diffD - halfWidthD, D),
    ciHigh: scaleByPowerOfTwo(diffD + halfWidthD, D),
    ciBound: scaleByPowerOfTwo(alternative === 'less' ? diffD + oneSidedD : diffD - oneSidedD, D),
    hedgesG: g,
    mde: scaleByPowerOfTwo(minimumDetectableDifference(sdAs, sdBs, nA, nB, alpha, power), spreadUnit),
    power,
    zeroVariance,
    ...(delta0 !== 0 ? { nullDifference: delta0 } : {}),
  };
}
