/**
 * Public shapes of harness/stats.
 *
 * Abbreviations used throughout harness/stats (documented once, here):
 * - **n**: number of samples in an arm; arm **A** is the tested arm (e.g. poisoned), arm **B** the
 *   reference arm (e.g. clean control).
 * - **mean**: arithmetic mean. **sd**: sample standard deviation with the n − 1 (Bessel) denominator.
 * - **sem**: standard error of the mean, sd / √n.
 * - **diff**: mean(A) − mean(B). **se**: standard error of diff, √(sdA²/nA + sdB²/nB) (Welch).
 * - **t**: Welch's statistic diff / se. **df**: Welch–Satterthwaite degrees of freedom (fractional).
 * - **p**: one-sided p-value. **q**: Benjamini–Hochberg (BH) adjusted p-value (false discovery rate).
 * - **α** (`alpha`): significance level; **power**: 1 − β, the chance of rejecting under a given effect.
 * - **CI**: confidence interval for diff. **g**: Hedges' g, the bias-corrected standardised mean
 *   difference. **MDE**: minimum detectable difference.
 *
 * @module
 */

/**
 * Samples known to be non-empty (tinybench's `Samples`): a statistic of one arm cannot be computed on
 * an empty array. Check an unknown array with `isSamples` / `assertSamples`.
 */
export type Samples = readonly [number, ...number[]];

/** Samples with at least two values: enough for a sample variance. */
export type SamplesOfTwoOrMore = readonly [number, number, ...number[]];

/**
 * Direction of a one-sided two-sample test.
 * - `'less'`: H₁ is mean(A) < mean(B) (e.g. poisoned accuracy below clean accuracy).
 * - `'greater'`: H₁ is mean(A) > mean(B).
 */
export type Alternative = 'less' | 'greater';

/** Moments of one arm, as used by the effect-size helpers. */
export interface ArmMoments {
  /** Number of samples. */
  readonly n: number;
  /** Mean. */
  readonly mean: number;
  /** Sample standard deviation (n − 1 denominator). */
  readonly sd: number;
}

/** Descriptive statistics of one arm (tinybench's `Statistics`, trimmed); see `summarize`. */
export interface Summary {
  /** Number of samples. */
  readonly n: number;
  /** Mean. */
  readonly mean: number;
  /** Sample standard deviation (n − 1 denominator); `null` when n = 1, where it is undefined. */
  readonly sd: number | null;
  /** Standard error of the mean, sd / √n; `null` when n = 1. */
  readonly sem: number | null;
  /** Smallest sample. */
  readonly min: number;
  /** Largest sample. */
  readonly max: number;
  /** Median (mean of the two middle values when n is even). */
  readonly median: number;
}

/** Options of `welchOneSided`. */
export interface WelchOptions {
  /** Significance level α in (0, 1); default `DEFAULT_ALPHA`. Sets the CI levels and the MDE. */
  readonly alpha?: number;
  /** Power in (0, 1) at which the MDE is computed; default `DEFAULT_POWER`. */
  readonly power?: number;
  /**
   * Δ₀, the difference mean(A) − mean(B) under the null (default 0). A non-inferiority test at
   * margin δ ("A is not worse than B by δ or more", worse = lower) is `'greater'` with Δ₀ = −δ.
   */
  readonly nullDifference?: number;
}

/** A comparison that could not be computed: too few samples in an arm. Never counts as a pass or a rejection. */
export interface InsufficientComparison {
  /** Discriminant. */
  readonly state: 'insufficient-data';
  /** Human-readable cause, naming the arm(s) and the count. */
  readonly reason: string;
  /** Direction that was requested. */
  readonly alternative: Alternative;
  /** Samples in arm A. */
  readonly nA: number;
  /** Samples in arm B. */
  readonly nB: number;
}

/** A computed one-sided Welch comparison of arm A against arm B. */
export interface ComputedComparison {
  /** Discriminant. */
  readonly state: 'computed';
  /** Direction of H₁: `'less'` means mean(A) < mean(B). */
  readonly alternative: Alternative;
  /** Significance level α the CIs and MDE were computed at. */
  readonly alpha: number;
  /** Mean of arm A. */
  readonly meanA: number;
  /** Mean of arm B. */
  readonly meanB: number;
  /** sd of arm A. */
  readonly sdA: number;
  /** sd of arm B. */
  readonly sdB: number;
  /** Samples in arm A (≥ 2). */
  readonly nA: number;
  /** Samples in arm B (≥ 2). */
  readonly nB: number;
  /** meanA − meanB. */
  readonly diff: number;
  /** Standard error of diff (Welch, unpooled). */
  readonly se: number;
  /** Welch statistic diff / se; ±Infinity when se = 0 and diff ≠ 0, 0 when both are 0. */
  readonly t: number;
  /** Welch–Satterthwaite df (fractional); nA + nB − 2 by convention when both sds are 0. */
  readonly df: number;
  /** One-sided p-value for `alternative`. */
  readonly p: number;
  /** Lower end of the two-sided (1 − α) CI for diff (the 95% CI at α = 0.05). */
  readonly ciLow: number;
  /** Upper end of the two-sided (1 − α) CI for diff. */
  readonly ciHigh: number;
  /**
   * The one-sided (1 − α) confidence bound for diff that matches the test: an **upper** bound when
   * `alternative` is `'less'` (CI = (−∞, ciBound]), a **lower** bound when `'greater'` ([ciBound, ∞)).
   * The test rejects at α exactly when this interval excludes 0.
   */
  readonly ciBound: number;
  /** Hedges' g of A versus B (pooled sd, exact small-sample correction); see `hedgesG`. */
  readonly hedgesG: number;
  /**
   * Minimum detectable difference |diff| for this one-sided test at α and power `power`, given
   * these n and sds; see `minimumDetectableDifference`. Always ≥ 0 (a magnitude in the direction
   * of the alternative).
   */
  readonly mde: number;
  /** Power the MDE was computed at. */
  readonly power: number;
  /** True when both arms have zero variance (p is then deterministic: 0, 1, or 1 for equal constants). */
  readonly zeroVariance: boolean;
  /** BH-adjusted p-value, present once the comparison went through `applyBenjaminiHochberg`. */
  readonly q?: number;
  /** Δ₀, the null difference, when it is not 0 (non-inferiority tests); t and p are against it. */
  readonly nullDifference?: number;
}

/** Outcome of a one-sided two-sample comparison (tinybench-style discriminated union on `state`). */
export type Comparison = InsufficientComparison | ComputedComparison;
