/**
 * NSGANetV2's accuracy surrogates and their "adaptive switching": a radial-basis-function
 * interpolant, a Gaussian process (Kriging) and an ensemble of regression trees (CART), each fitted
 * to (architecture encoding → validation error); the one with the best cross-validated Kendall τ
 * is refitted on everything and used (acc_predictor/adaptive_switching.py in the reference code:
 * 10 folds, winner = argmax over models of mean τ − standard deviation of τ across folds).
 *
 * The reference's models, re-implemented on ml-matrix (CART: our own tree, below):
 * - RBF (pySOT `RBFInterpolant`): cubic kernel φ(r) = r³ with a linear polynomial tail; solved by
 *   LU, or by SVD where the system is singular (the least-squares answer).
 * - GP (pydacefit `DACE`): linear regression, Gaussian correlation exp(−θ‖x − x'‖²) with one θ
 *   chosen by maximum likelihood on a log grid over [1e-5, 100]; inputs and targets standardised as
 *   in DACE.
 * - CART: trees on all points, each on a random subset of the features (of random size), averaged
 *   — the reference fits 5000 scikit-learn trees; {@link fitRegressionTree} grows them the same way
 *   (ml-cart's tree was ~100× too slow for thousands, see regression-tree.ts).
 *
 * Where the points cannot determine a linear tail / regression (n ≤ d + 1, as at small sizes), RBF
 * and GP fall back to a constant one.
 *
 * @module
 */
import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import type { Rng } from '../../engine/rng.js';
import { kendallTauB } from '../../stats/kendall.js';
import { fitRegressionTree, type RegressionTree } from './regression-tree.js';

/** The models adaptive switching chooses among, in the reference's order (ties go to the earlier). */
export const SURROGATE_MODELS = ['rbf', 'gp', 'cart'] as const;
export type SurrogateModel = (typeof SURROGATE_MODELS)[number];

/** A fitted surrogate: predictions for encoded architectures. */
export interface Surrogate {
  readonly model: SurrogateModel;
  predict(x: ReadonlyArray<readonly number[]>): number[];
}

/** What fitting needs besides the data. */
export interface SurrogateOptions {
  /** Trees of the CART ensemble. */
  cartTrees: number;
  /** Random choices of the CART ensemble. */
  rng: Rng;
}

function checkData(x: ReadonlyArray<readonly number[]>, y: readonly number[], what: string): void {
  if (x.length === 0) throw new Error(`${what}: no training points`);
  if (x.length !== y.length) throw new Error(`${what}: ${x.length} inputs but ${y.length} targets`);
}

function distance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(s);
}

/** Cubic RBF interpolant with a linear tail (constant when n ≤ d + 1). */
export function fitRbf(x: ReadonlyArray<readonly number[]>, y: readonly number[]): Surrogate {
  checkData(x, y, 'rbf');
  const n = x.length;
  const d = x[0]!.length;
  const tail = n > d + 1 ? d + 1 : 1;
  const tailRow = (p: readonly number[]): number[] => (tail === 1 ? [1] : [1, ...p]);
  const a = Matrix.zeros(n + tail, n + tail);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a.set(i, j, distance(x[i]!, x[j]!) ** 3);
    tailRow(x[i]!).forEach((v, k) => {
      a.set(i, n + k, v);
      a.set(n + k, i, v);
    });
  }
  const b = Matrix.columnVector([...y, ...new Array<number>(tail).fill(0)]);
  let solution: Matrix;
  try {
    solution = solve(a, b);
  } catch {
    // Singular (e.g. repeated points): the least-squares answer.
    solution = solve(a, b, true);
  }
  const coefficients = solution.getColumn(0);
  return {
    model: 'rbf',
    predict: (points) =>
      points.map((p) => {
        let v = 0;
        for (let i = 0; i < n; i++) v += coefficients[i]! * distance(p, x[i]!) ** 3;
        tailRow(p).forEach((t, k) => (v += coefficients[n + k]! * t));
        return v;
      }),
  };
}

/** The log-spaced θ values the GP's likelihood is maximised over (pydacefit: bounds 1e-5..100). */
const GP_THETAS = Array.from({ length: 15 }, (_, i) => 10 ** (-5 + i / 2));

/** Kriging (DACE): linear regression (constant when n ≤ d + 2), Gaussian correlation, one θ by maximum likelihood. */
export function fitGp(x: ReadonlyArray<readonly number[]>, y: readonly number[]): Surrogate {
  checkData(x, y, 'gp');
  const n = x.length;
  const d = x[0]!.length;
  // DACE standardises inputs and targets (a constant column keeps scale 1).
  const mean = Array.from({ length: d }, (_, k) => x.reduce((s, p) => s + p[k]!, 0) / n);
  const scale = Array.from({ length: d }, (_, k) => {
    const sd = Math.sqrt(x.reduce((s, p) => s + (p[k]! - mean[k]!) ** 2, 0) / Math.max(1, n - 1));
    return sd > 0 ? sd : 1;
  });
  const yMean = y.reduce((s, v) => s + v, 0) / n;
  const ySdRaw = Math.sqrt(y.reduce((s, v) => s + (v - yMean) ** 2, 0) / Math.max(1, n - 1));
  const ySd = ySdRaw > 0 ? ySdRaw : 1;
  const norm = (p: readonly number[]) => p.map((v, k) => (v - mean[k]!) / scale[k]!);
  const xs = x.map(norm);
  const ys = Matrix.columnVector(y.map((v) => (v - yMean) / ySd));
  const linear = n > d + 2;
  const regressors = (p: readonly number[]) => (linear ? [1, ...p] : [1]);
  const f = new Matrix(xs.map(regressors));
  const sq = xs.map((a) => xs.map((b) => distance(a, b) ** 2));
  // DACE's nugget: (10 + n)·ε on the diagonal keeps R positive definite.
  const nugget = (10 + n) * 2.220446049250313e-16;

  interface Fit {
    theta: number;
    objective: number;
    beta: Matrix;
    gamma: Matrix;
  }
  let best: Fit | undefined;
  for (const theta of GP_THETAS) {
    const r = new Matrix(sq.map((row, i) => row.map((s, j) => Math.exp(-theta * s) + (i === j ? nugget : 0))));
    const chol = new CholeskyDecomposition(r);
    if (!chol.isPositiveDefinite()) continue;
    const rInvF = chol.solve(f);
    const rInvY = chol.solve(ys);
    let beta: Matrix;
    try {
      beta = solve(f.transpose().mmul(rInvF), f.transpose().mmul(rInvY), true);
    } catch {
      continue;
    }
    const residual = Matrix.sub(ys, f.mmul(beta));
    const gamma = chol.solve(residual);
    const sigma2 = residual.transpose().mmul(gamma).get(0, 0) / n;
    const l = chol.lowerTriangularMatrix;
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += 2 * Math.log(l.get(i, i));
    // DACE's objective ψ(θ) = σ²·|R|^(1/n), compared in logs.
    const objective = Math.log(Math.max(sigma2, 1e-300)) + logDet / n;
    if (Number.isFinite(objective) && (best === undefined || objective < best.objective)) best = { theta, objective, beta, gamma };
  }
  if (best === undefined) throw new Error('gp: no correlation parameter gives a positive-definite correlation matrix');
  const fit = best;
  const beta = fit.beta.getColumn(0);
  const gamma = fit.gamma.getColumn(0);
  return {
    model: 'gp',
    predict: (points) =>
      points.map((p) => {
        const q = norm(p);
        let v = 0;
        regressors(q).forEach((t, k) => (v += t * beta[k]!));
        for (let i = 0; i < n; i++) v += Math.exp(-fit.theta * distance(q, xs[i]!) ** 2) * gamma[i]!;
        return yMean + ySd * v;
      }),
  };
}

/**
 * An ensemble of `trees` regression trees on all points, each on a random subset of the features
 * of uniformly random size 1..d, averaged (reference: carts.py; its per-tree shuffle of the points
 * does not change a fully grown tree, so it is left out).
 */
export function fitCart(x: ReadonlyArray<readonly number[]>, y: readonly number[], trees: number, rng: Rng): Surrogate {
  checkData(x, y, 'cart');
  const d = x[0]!.length;
  const members: Array<{ tree: RegressionTree; features: number[] }> = [];
  for (let t = 0; t < trees; t++) {
    const features = Array.from(rng.permutation(d).subarray(0, 1 + rng.int(d)));
    members.push({ tree: fitRegressionTree(x.map((p) => features.map((k) => p[k]!)), y), features });
  }
  return {
    model: 'cart',
    predict: (points) =>
      points.map((p) => {
        let sum = 0;
        for (const { tree, features } of members) sum += tree.predict(features.map((k) => p[k]!));
        return sum / members.length;
      }),
  };
}

/** Fits one model. */
export function fitSurrogate(model: SurrogateModel, x: ReadonlyArray<readonly number[]>, y: readonly number[], options: SurrogateOptions): Surrogate {
  switch (model) {
    case 'rbf':
      return fitRbf(x, y);
    case 'gp':
      return fitGp(x, y);
    case 'cart':
      return fitCart(x, y, options.cartTrees, options.rng);
  }
}

/** The outcome of adaptive switching. */
export interface SwitchingResult {
  surrogate: Surrogate;
  /** Mean cross-validated Kendall τ of each model (NaN when no fold gave one). */
  meanTau: Record<SurrogateModel, number>;
  /** Mean τ − std τ of each model, the selection score (−Infinity without a τ). */
  score: Record<SurrogateModel, number>;
  folds: number;
}

/**
 * Adaptive switching: `folds`-fold cross-validation (a seeded permutation split into near-equal
 * parts, as numpy's array_split; fewer folds when needed so each held-out part has at least two
 * points), τ-b of predictions against targets on each held-out part, winner by mean − std (folds
 * without a τ, e.g. constant predictions, are left out), refitted on all points. `models` restricts
 * the pool (one model: no cross-validation needed, but τ is still reported).
 */
export function adaptiveSwitching(
  x: ReadonlyArray<readonly number[]>,
  y: readonly number[],
  folds: number,
  options: SurrogateOptions,
  models: readonly SurrogateModel[] = SURROGATE_MODELS,
): SwitchingResult {
  checkData(x, y, 'adaptive switching');
  const n = x.length;
  const k = Math.max(2, Math.min(folds, Math.floor(n / 2)));
  const perm = options.rng.child('folds').permutation(n);
  const parts: number[][] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    parts.push(Array.from(perm.subarray(start, start + size)));
    start += size;
  }
  const taus = Object.fromEntries(models.map((m) => [m, [] as number[]])) as Record<SurrogateModel, number[]>;
  parts.forEach((test, f) => {
    const held = new Set(test);
    const trainIdx = Array.from(perm).filter((i) => !held.has(i));
    if (trainIdx.length === 0) return;
    for (const m of models) {
      const fitted = fitSurrogate(
        m,
        trainIdx.map((i) => x[i]!),
        trainIdx.map((i) => y[i]!),
        { ...options, rng: options.rng.child('cv', f, m) },
      );
      const tau = kendallTauB(
        fitted.predict(test.map((i) => x[i]!)),
        test.map((i) => y[i]!),
      );
      if (Number.isFinite(tau)) taus[m].push(tau);
    }
  });
  const meanTau = {} as Record<SurrogateModel, number>;
  const score = {} as Record<SurrogateModel, number>;
  for (const m of SURROGATE_MODELS) {
    const t = taus[m] ?? [];
    const mean = t.length > 0 ? t.reduce((a, b) => a + b, 0) / t.length : NaN;
    const sd = t.length > 0 ? Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length) : NaN;
    meanTau[m] = mean;
    score[m] = t.length > 0 ? mean - sd : -Infinity;
  }
  let winner = models[0]!;
  for (const m of models) if (score[m] > score[winner]) winner = m;
  return { surrogate: fitSurrogate(winner, x, y, { ...options, rng: options.rng.child('final', winner) }), meanTau, score, folds: k };
}
