/**
 * A small Gaussian-process regressor, the surrogate of RoBoT's Bayesian optimisation.
 *
 * It follows what the study's RoBoT code used — bayesian-optimization 1.2.0, which wraps
 * scikit-learn's `GaussianProcessRegressor(kernel=Matern(nu=2.5), alpha=1e-6, normalize_y=True)`:
 * - an isotropic Matérn-5/2 kernel of unit amplitude, k(r) = (1 + √5 r/ℓ + 5r²/3ℓ²)·exp(−√5 r/ℓ);
 * - targets standardised (mean 0, population standard deviation 1) before fitting, predictions
 *   mapped back;
 * - `noise` (scikit-learn's alpha) added to the kernel matrix's diagonal;
 * - the length scale ℓ chosen by maximising the log marginal likelihood. scikit-learn runs L-BFGS-B
 *   over ℓ ∈ [1e-5, 1e5] from 6 starts; here ℓ is the best of a log-spaced grid (default 81 values
 *   over [1e-2, 1e2], 12% apart), which is deterministic and, for inputs in [−1, 1]⁶ (distances up
 *   to 4.9), spans everything between white noise and a constant.
 *
 * No npm package for Gaussian processes is both maintained and typed, so this one is written
 * here on ml-matrix's Cholesky decomposition; it is small and tested against numpy values.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** Options of {@link fitGaussianProcess}. */
export interface GaussianProcessOptions {
  /** Variance added to the diagonal of the kernel matrix (on standardised targets). */
  noise: number;
  /** Candidate length scales; the one of highest log marginal likelihood is kept. */
  lengthScales?: readonly number[];
}

/** A fitted Gaussian process. */
export interface GaussianProcess {
  /** The length scale chosen. */
  readonly lengthScale: number;
  /** Log marginal likelihood of the standardised targets at that length scale. */
  readonly logMarginalLikelihood: number;
  /** Posterior mean and standard deviation at `x`, in the targets' units. */
  predict(x: readonly number[]): { mean: number; std: number };
}

/** The default length-scale grid: 81 values log-spaced over [1e-2, 1e2]. */
export const DEFAULT_LENGTH_SCALES: readonly number[] = Array.from({ length: 81 }, (_, i) => 10 ** (-2 + i / 20));

const SQRT5 = Math.sqrt(5);

/** The Matérn-5/2 kernel of unit amplitude at distance `r`. */
export function matern52(r: number, lengthScale: number): number {
  const s = (SQRT5 * r) / lengthScale;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

function distance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** L (row-major, n×n) of the Cholesky factor of K + noise·I, or undefined when not positive definite. */
function cholesky(distances: Float64Array, n: number, lengthScale: number, noise: number): Float64Array | undefined {
  const k = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = matern52(distances[i * n + j]!, lengthScale) + (i === j ? noise : 0);
      k.set(i, j, v);
      k.set(j, i, v);
    }
  }
  const decomposition = new CholeskyDecomposition(k);
  if (!decomposition.isPositiveDefinite()) return undefined;
  const l = decomposition.lowerTriangularMatrix;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[i * n + j] = l.get(i, j);
  return out;
}

/** Solves L v = b for lower-triangular L (row-major, n×n). */
function forwardSubstitute(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let j = 0; j < i; j++) s -= l[i * n + j]! * v[j]!;
    v[i] = s / l[i * n + i]!;
  }
  return v;
}

/** Solves Lᵀ x = v for lower-triangular L (row-major, n×n). */
function backSubstitute(l: Float64Array, n: number, v: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = v[i]!;
    for (let j = i + 1; j < n; j++) s -= l[j * n + i]! * x[j]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

interface Fit {
  lengthScale: number;
  l: Float64Array;
  alpha: Float64Array;
  logMarginalLikelihood: number;
}

/**
 * Fits a Gaussian process to the points `x` (each of the same dimension) and targets `y`.
 * @throws when the inputs are empty or ragged, a value is not finite, or no length scale gives a
 *   positive-definite kernel matrix (raise `noise`).
 */
export function fitGaussianProcess(x: readonly (readonly number[])[], y: readonly number[], options: GaussianProcessOptions): GaussianProcess {
  const n = x.length;
  if (n === 0 || y.length !== n) throw new Error(`Gaussian process: ${n} points and ${y.length} targets (need as many of each, at least one)`);
  const dims = x[0]!.length;
  for (const p of x) {
    if (p.length !== dims || p.some((v) => !Number.isFinite(v))) throw new Error(`Gaussian process: every point must have ${dims} finite coordinates, got [${p.join(', ')}]`);
  }
  if (y.some((v) => !Number.isFinite(v))) throw new Error('Gaussian process: every target must be finite');
  if (!(options.noise >= 0)) throw new Error(`Gaussian process: noise must be ≥ 0, got ${options.noise}`);
  const grid = options.lengthScales ?? DEFAULT_LENGTH_SCALES;

  // Standardise as scikit-learn's normalize_y does (population std; a constant target keeps scale 1).
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const scale = variance > 0 ? Math.sqrt(variance) : 1;
  const z = y.map((v) => (v - mean) / scale);

  const distances = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) distances[i * n + j] = distance(x[i]!, x[j]!);

  let best: Fit | undefined;
  for (const lengthScale of grid) {
    const l = cholesky(distances, n, lengthScale, options.noise);
    if (!l) continue;
    const alpha = backSubstitute(l, n, forwardSubstitute(l, n, z));
    let lml = -0.5 * n * Math.log(2 * Math.PI);
    for (let i = 0; i < n; i++) lml += -0.5 * z[i]! * alpha[i]! - Math.log(l[i * n + i]!);
    // Ties keep the smaller length scale (the grid's order), so the choice is deterministic.
    if (!best || lml > best.logMarginalLikelihood) best = { lengthScale, l, alpha, logMarginalLikelihood: lml };
  }
  if (!best) throw new Error(`Gaussian process: the kernel matrix of ${n} points is not positive definite at any length scale; raise the noise (${options.noise})`);
  const fit = best;

  return {
    lengthScale: fit.lengthScale,
    logMarginalLikelihood: fit.logMarginalLikelihood,
    predict(point) {
      if (point.length !== dims) throw new Error(`Gaussian process: a point of ${point.length} coordinates for a process over ${dims}`);
      const kStar = new Float64Array(n);
      for (let i = 0; i < n; i++) kStar[i] = matern52(distance(point, x[i]!), fit.lengthScale);
      let m = 0;
      for (let i = 0; i < n; i++) m += kStar[i]! * fit.alpha[i]!;
      const v = forwardSubstitute(fit.l, n, kStar);
      let explained = 0;
      for (let i = 0; i < n; i++) explained += v[i]! * v[i]!;
      // k(x, x) = 1; rounding can take the difference a hair below 0.
      const standardVariance = Math.max(0, 1 - explained);
      return { mean: mean + scale * m, std: scale * Math.sqrt(standardVariance) };
    },
  };
}
