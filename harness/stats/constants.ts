/**
 * Every constant of harness/stats in one place: statistical defaults and numerical settings.
 *
 * @module
 */

/** Default significance level α of the one-sided tests (the study's FDR level, 0.05). */
export const DEFAULT_ALPHA = 0.05;

/** Default power (1 − β) for the minimum detectable difference. */
export const DEFAULT_POWER = 0.8;

/** Fewest samples per arm for which Welch's test is defined (a sample variance needs two values). */
export const MIN_SAMPLES_PER_ARM = 2;

/** Level of the always-reported two-sided confidence interval is 1 − α; at the default α this is 95%. */
export const DEFAULT_CONFIDENCE = 1 - DEFAULT_ALPHA;

// ---- numerical settings (special functions, root finding) ----

/** Relative convergence tolerance of series and continued fractions (≈ 2.2e-16). */
export const SERIES_TOLERANCE = Number.EPSILON;

/** Floor that keeps the modified Lentz continued-fraction recursion away from division by zero. */
export const LENTZ_TINY = 1e-300;

/** Most terms any series or continued fraction may take before it is declared non-convergent. */
export const MAX_SERIES_TERMS = 100_000;

/** Most iterations of a safeguarded Newton / bisection root search. */
export const MAX_ROOT_ITERATIONS = 300;

/** Convergence tolerance of root searches on log|x| (so a relative tolerance on x). */
export const ROOT_TOLERANCE = 4 * Number.EPSILON;

/** ln √(2π). */
export const LN_SQRT_2PI = 0.91893853320467274178;

/** ln √π = ln Γ(½). */
export const LN_SQRT_PI = 0.57236494292470008707;

/** √(2π). */
export const SQRT_2PI = 2.50662827463100050242;

/** √(2/π). */
export const SQRT_2_OVER_PI = 0.79788456080286535588;

/** Arguments at or above this use Stirling's series for ln Γ (the series is then accurate to < 1e-16). */
export const STIRLING_THRESHOLD = 10;
