/**
 * Bayesian optimisation of a function on the box [lower, upper]^d with a Gaussian-process surrogate
 * and the UCB acquisition, as the study's RoBoT code ran it (bayesian-optimization 1.2.0,
 * `maximize(init_points=0, n_iter=T−1, acq='ucb')`, κ = 2.576):
 * - the first `randomSteps` points are uniform at random (the package forces one when
 *   init_points is 0);
 * - each later point maximises mean + κ·std of the GP fitted to every point so far. The package
 *   draws 10,000 uniform candidates, then polishes from 10 random starts with L-BFGS-B; here the
 *   polish is a compass (pattern) search from the 10 best candidates — the objective RoBoT feeds it
 *   is piecewise constant, and UCB is smooth, so a derivative-free polish loses nothing that matters.
 * All randomness comes from the caller's {@link Rng}.
 */
import type { Rng } from '../../engine/rng.js';
import { fitGaussianProcess, type GaussianProcess } from './gaussian-process.js';

/** Options of {@link bayesianOptimise}. */
export interface BayesianOptimisationOptions {
  dimensions: number;
  lower: number;
  upper: number;
  /** Evaluations of the objective in all (random ones included). */
  steps: number;
  /** Evaluations at uniform random points before the GP guides the search (≥ 1). */
  randomSteps: number;
  /** UCB's exploration weight κ in mean + κ·std. */
  kappa: number;
  /** The GP's noise (variance added to the kernel diagonal, on standardised targets). */
  noise: number;
  /** Uniform random candidates scored by UCB at each step. */
  acquisitionSamples: number;
  /** Best candidates polished by compass search. */
  acquisitionRestarts: number;
  rng: Rng;
}

/** One evaluation of the objective. */
export interface BayesianOptimisationStep {
  x: number[];
  y: number;
  /** Whether the point was drawn at random (else UCB chose it). */
  random: boolean;
  /** Length scale of the GP that chose the point (null for random points). */
  lengthScale: number | null;
}

function uniformPoint(rng: Rng, dimensions: number, lower: number, upper: number): number[] {
  return Array.from({ length: dimensions }, () => lower + (upper - lower) * rng.uniform());
}

/**
 * Maximises the UCB of `gp` over the box: the best of `samples` uniform candidates and of compass
 * searches from the `restarts` best of them (ties: the earlier candidate).
 */
export function maximiseUcb(gp: GaussianProcess, options: Pick<BayesianOptimisationOptions, 'dimensions' | 'lower' | 'upper' | 'kappa' | 'acquisitionSamples' | 'acquisitionRestarts' | 'rng'>): number[] {
  const { dimensions, lower, upper, kappa, rng } = options;
  const ucb = (x: readonly number[]): number => {
    const p = gp.predict(x);
    return p.mean + kappa * p.std;
  };
  const candidates: Array<{ x: number[]; value: number }> = [];
  for (let i = 0; i < options.acquisitionSamples; i++) {
    const x = uniformPoint(rng, dimensions, lower, upper);
    candidates.push({ x, value: ucb(x) });
  }
  // Stable sort: equal values keep their drawing order.
  const starts = [...candidates].sort((a, b) => b.value - a.value).slice(0, options.acquisitionRestarts);
  let best = starts[0] ?? candidates[0]!;
  for (const start of starts) {
    const polished = compassSearch(ucb, start, lower, upper, (upper - lower) / 8, 1e-3 * (upper - lower));
    if (polished.value > best.value) best = polished;
  }
  return best.x;
}

/**
 * Compass search: try ±step along each axis (clipped to the box), move on the first improvement,
 * halve the step when none improves, stop below `minStep`.
 */
function compassSearch(f: (x: readonly number[]) => number, start: { x: number[]; value: number }, lower: number, upper: number, step: number, minStep: number): { x: number[]; value: number } {
  let x = [...start.x];
  let value = start.value;
  while (step >= minStep) {
    let moved = false;
    for (let d = 0; d < x.length && !moved; d++) {
      for (const sign of [1, -1]) {
        const y = [...x];
        y[d] = Math.min(upper, Math.max(lower, y[d]! + sign * step));
        if (y[d] === x[d]) continue;
        const v = f(y);
        if (v > value) {
          x = y;
          value = v;
          moved = true;
          break;
        }
      }
    }
    if (!moved) step /= 2;
  }
  return { x, value };
}

/**
 * Runs Bayesian optimisation of `objective` (to maximise), one evaluation at a time, and returns
 * every evaluation in order. `onStep` sees each as it is made.
 */
export async function bayesianOptimise(
  objective: (x: number[]) => Promise<number>,
  options: BayesianOptimisationOptions,
  onStep?: (step: BayesianOptimisationStep, index: number) => void,
): Promise<BayesianOptimisationStep[]> {
  const { dimensions, lower, upper, steps, rng } = options;
  if (!(Number.isInteger(options.randomSteps) && options.randomSteps >= 1)) throw new Error(`Bayesian optimisation: randomSteps must be an integer ≥ 1, got ${options.randomSteps}`);
  if (!(upper > lower)) throw new Error(`Bayesian optimisation: the box [${lower}, ${upper}] is empty`);
  const history: BayesianOptimisationStep[] = [];
  for (let i = 0; i < steps; i++) {
    let step: Omit<BayesianOptimisationStep, 'y'>;
    if (i < options.randomSteps) {
      step = { x: uniformPoint(rng, dimensions, lower, upper), random: true, lengthScale: null };
    } else {
      const gp = fitGaussianProcess(
        history.map((h) => h.x),
        history.map((h) => h.y),
        { noise: options.noise },
      );
      step = { x: maximiseUcb(gp, options), random: false, lengthScale: gp.lengthScale };
    }
    const y = await objective([...step.x]);
    if (!Number.isFinite(y)) throw new Error(`Bayesian optimisation: the objective returned ${y} at step ${i + 1}`);
    const done = { ...step, y };
    history.push(done);
    onStep?.(done, i);
  }
  return history;
}
