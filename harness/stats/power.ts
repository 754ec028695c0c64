/**
 * Power of the one-sided Welch test, and the trials per arm a decision needs — what calibration
 * and the "underpowered at this tier" verdicts use.
 *
 * - {@link noncentralTCdf}: the CDF of the noncentral t distribution (Lenth 1989, Applied Statistics
 *   algorithm AS 243, summed outwards from the Poisson mode as Benton & Krishnamoorthy 2003 advise,
 *   so that large noncentralities neither underflow nor lose terms).
 * - {@link powerOneSidedWelch}: P(reject) of the one-sided Welch test at a true shift, from the
 *   noncentral t with the Welch–Satterthwaite df, the sds taken as the true ones (what
 *   `scipy.stats.nct.sf(t_{1−α,ν}, ν, effect/se)` gives).
 * - {@link trialsNeeded}: the smallest n per arm with MDE(n) ≤ effect, MDE being
 *   {@link minimumDetectableDifference} (the shifted-central-t closed form) — so "needs n trials" and
 *   "could detect a drop ≥ MDE" in a verdict never disagree. Its noncentral-t power at that n is
 *   returned alongside (0.787–0.807 for a target of 0.8; see minimumDetectableDifference).
 *
 * References: R. V. Lenth, "Algorithm AS 243: Cumulative distribution function of the non-central t
 * distribution", Applied Statistics 38 (1989) 185–189; D. Benton and K. Krishnamoorthy, "Computing
 * discrete mixtures of continuous distributions: noncentral chisquare, noncentral t and the
 * distribution of the square of the sample multiple correlation coefficient", Computational
 * Statistics & Data Analysis 43 (2003) 249–267.
 *
 * @module
 */

import { DEFAULT_ALPHA, DEFAULT_POWER, MIN_SAMPLES_PER_ARM } from './constants.js';
import { normalCdf, tCdf, tQuantile } from './distributions.js';
import { minimumDetectableDifference, welchDf } from './effect.js';
import { incompleteBeta, lnGamma } from './special.js';

/** Terms of the Poisson-weighted series below this (relative to 1) are dropped. */
const SERIES_EPSILON = 1e-17;
/** Upper bound on series terms each way from the mode (never reached for |δ| < 1e4). */
const MAX_TERMS = 100_000;

function checkDf(df: number, fn: string): void {
  if (!(df > 0)) throw new RangeError(`${fn}: df must be > 0, got ${df}`);
}

/**
 * P(T ≤ t) for T noncentral t with `df` degrees of freedom (> 0, fractional allowed) and
 * noncentrality `delta` (finite). δ = 0 is Student's t ({@link tCdf}).
 *
 * For t ≥ 0 (AS 243): F(t) = Φ(−δ) + ½ Σ_{j≥0} [p_j I_x(j+½, ν/2) + q_j I_x(j+1, ν/2)] with
 * x = t²/(t²+ν), λ = δ²/2, p_j = e^{−λ} λ^j / j!, q_j = δ e^{−λ} λ^j / (√2 Γ(j+3/2)); for t < 0,
 * F(t; ν, δ) = 1 − F(−t; ν, −δ). Absolute accuracy ~1e-14 (what power needs; far lower tails are
 * not accurate in relative terms).
 */
export function noncentralTCdf(t: number, df: number, delta: number): number {
  if (Number.isNaN(t)) throw new RangeError('noncentralTCdf: t must be a number, got NaN');
  checkDf(df, 'noncentralTCdf');
  if (!Number.isFinite(delta)) throw new RangeError(`noncentralTCdf: delta must be finite, got ${delta}`);
  if (delta === 0) return tCdf(t, df);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (t < 0) return clamp01(1 - noncentralTCdfNonNegative(-t, df, -delta));
  return clamp01(noncentralTCdfNonNegative(t, df, delta));
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

function noncentralTCdfNonNegative(t: number, df: number, delta: number): number {
  const base = normalCdf(-delta);
  if (t === 0) return base;
  const x = (t * t) / (t * t + df);
  const y = df / (t * t + df);
  const lnX = Math.log(x);
  const lnY = Math.log(y);
  const lambda = 0.5 * delta * delta;
  const lnLambda = Math.log(lambda);
  const halfDf = 0.5 * df;
  const sign = delta < 0 ? -1 : 1;
  const lnAbsDeltaOverSqrt2 = Math.log(Math.abs(delta)) - 0.5 * Math.LN2;
  const term = (j: number): { value: number; weight: number } => {
    const lnPoisson = -lambda + j * lnLambda;
    const p = Math.exp(lnPoisson - lnGamma(j + 1));
    const q = sign * Math.exp(lnAbsDeltaOverSqrt2 + lnPoisson - lnGamma(j + 1.5));
    const value = p * incompleteBeta(j + 0.5, halfDf, x, y, lnX, lnY) + q * incompleteBeta(j + 1, halfDf, x, y, lnX, lnY);
    return { value, weight: p + Math.abs(q) };
  };
  const mode = Math.floor(lambda);
  let sum = 0;
  // Outwards from the mode: forwards until the weights (which then only shrink) are negligible,
  // backwards to j = 0 or until they are.
  for (let j = mode, i = 0; i < MAX_TERMS; j++, i++) {
    const { value, weight } = term(j);
    sum += value;
    if (weight < SERIES_EPSILON && j > lambda) break;
  }
  for (let j = mode - 1, i = 0; j >= 0 && i < MAX_TERMS; j--, i++) {
    const { value, weight } = term(j);
    sum += value;
    if (weight < SERIES_EPSILON) break;
  }
  return base + 0.5 * sum;
}

function checkArm(sd: number, n: number, arm: string, fn: string): void {
  if (!(Number.isFinite(sd) && sd >= 0)) throw new RangeError(`${fn}: sd${arm} must be a finite number ≥ 0, got ${sd}`);
  if (!(Number.isInteger(n) && n >= MIN_SAMPLES_PER_ARM)) throw new RangeError(`${fn}: n${arm} must be an integer ≥ ${MIN_SAMPLES_PER_ARM}, got ${n}`);
}

function checkUnitInterval(value: number, name: string, fn: string): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${fn}: ${name} must be in (0, 1), got ${value}`);
}

/**
 * Power of the one-sided Welch test at level α to detect a true shift `effect` of the mean
 * difference in the tested direction (effect > 0 means "in the direction of H₁"; ≤ 0 gives power
 * ≤ α), with arm sds `sdA`, `sdB` taken as the true ones and nA, nB trials per arm:
 * P(T > t_{1−α,ν}) for T noncentral t with ν = {@link welchDf} and noncentrality effect / se,
 * se = √(sdA²/nA + sdB²/nB). Matches `scipy.stats.nct.sf(t.ppf(1−α, ν), ν, effect/se)`.
 *
 * When both sds are 0 the test is deterministic: power 1 for effect > 0, else 0.
 */
export function powerOneSidedWelch(effect: number, sdA: number, sdB: number, nA: number, nB: number, alpha: number = DEFAULT_ALPHA): number {
  const fn = 'powerOneSidedWelch';
  if (!Number.isFinite(effect)) throw new RangeError(`${fn}: effect must be finite, got ${effect}`);
  checkArm(sdA, nA, 'A', fn);
  checkArm(sdB, nB, 'B', fn);
  checkUnitInterval(alpha, 'alpha', fn);
  const se = Math.sqrt((sdA * sdA) / nA + (sdB * sdB) / nB);
  if (se === 0) return effect > 0 ? 1 : 0;
  const df = welchDf(sdA, sdB, nA, nB);
  const critical = tQuantile(1 - alpha, df);
  return clamp01(1 - noncentralTCdf(critical, df, effect / se));
}

/** Options of {@link trialsNeeded}. */
export interface TrialsNeededOptions {
  /** Largest n per arm considered (default 1000). */
  max?: number;
}

/** What {@link trialsNeeded} finds: n per arm, or why there is none within `max`. */
export type TrialsNeeded =
  | {
      /** Smallest n per arm with MDE(n) ≤ effect. */
      n: number;
      /** The MDE at that n. */
      mde: number;
      /** The noncentral-t power at that n ({@link powerOneSidedWelch}); close to the target. */
      power: number;
    }
  | { n: null; reason: string };

/**
 * The smallest number of trials per arm n (equal arms, both with sd `sd`) at which the one-sided
 * Welch test at level α reaches `power` for a true shift `effect`: the smallest n ≥ 2 with
 * {@link minimumDetectableDifference}(sd, sd, n, n, α, power) ≤ effect (that MDE decreases in n, so
 * a bisection finds it). `{ n: null, reason }` when effect ≤ 0 or no n ≤ `max` (default 1000) does.
 * sd = 0 needs the minimum, 2.
 */
export function trialsNeeded(effect: number, sd: number, alpha: number = DEFAULT_ALPHA, power: number = DEFAULT_POWER, options: TrialsNeededOptions = {}): TrialsNeeded {
  const fn = 'trialsNeeded';
  const max = options.max ?? 1000;
  if (!Number.isFinite(effect)) throw new RangeError(`${fn}: effect must be finite, got ${effect}`);
  if (!(Number.isFinite(sd) && sd >= 0)) throw new RangeError(`${fn}: sd must be a finite number ≥ 0, got ${sd}`);
  checkUnitInterval(alpha, 'alpha', fn);
  checkUnitInterval(power, 'power', fn);
  if (!(Number.isInteger(max) && max >= MIN_SAMPLES_PER_ARM)) throw new RangeError(`${fn}: max must be an integer ≥ ${MIN_SAMPLES_PER_ARM}, got ${max}`);
  if (!(effect > 0)) return { n: null, reason: `no positive effect to detect (effect ${effect})` };
  const mde = (n: number) => minimumDetectableDifference(sd, sd, n, n, alpha, power);
  const found = (n: number): TrialsNeeded => ({ n, mde: mde(n), power: powerOneSidedWelch(effect, sd, sd, n, n, alpha) });
  if (mde(MIN_SAMPLES_PER_ARM) <= effect) return found(MIN_SAMPLES_PER_ARM);
  if (mde(max) > effect) {
    return { n: null, reason: `more than ${max} trials per arm (MDE at ${max} is ${mde(max).toPrecision(3)} > ${effect})` };
  }
  let lo = MIN_SAMPLES_PER_ARM; // mde(lo) > effect
  let hi = max; // mde(hi) ≤ effect
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mde(mid) <= effect) hi = mid;
    else lo = mid;
  }
  return found(hi);
}
