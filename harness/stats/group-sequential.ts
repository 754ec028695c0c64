/**
 * Group-sequential designs with Lan–DeMets α-spending: efficacy boundaries for one-sided tests
 * monitored at several looks, the run-time decision at a look, the stagewise-ordering adjusted
 * p-value of a stopped test, and a planner for the looks.
 *
 * Model (canonical joint distribution, Jennison & Turnbull 2000, ch. 3): at information fractions
 * t₁ < … < t_K the z-statistics are Z_k = B(t_k)/√t_k for a Brownian motion B with drift, so
 * Corr(Z_i, Z_j) = √(t_i/t_j) (i ≤ j). Boundaries c_k satisfy, under H0,
 * P(Z₁ < c₁, …, Z_{k−1} < c_{k−1}, Z_k ≥ c_k) = α(t_k) − α(t_{k−1}), α(·) the spending function.
 * They are computed by the recursive numerical integration of Armitage, McPherson & Rowe (1969) on
 * the grid of Jennison & Turnbull (2000, ch. 19): Simpson's rule on 12r − 3 points per look, r = 32
 * (checked against an independent scipy computation in `group-sequential-matches-scipy.test.ts`:
 * within 5e-8 in z for K ≤ 3, where scipy's quasi-Monte-Carlo integral is the limiting accuracy, and
 * within that QMC noise, ~1e-5, for K = 4, 5).
 *
 * Only efficacy (rejection) boundaries: a test that has not crossed continues until its last look.
 * Each one-sided test (harm, non-inferiority) is monitored with its own boundary at its own level α.
 *
 * @module
 */

import { MIN_SAMPLES_PER_ARM } from './constants.js';
import { normalCdf, normalQuantile } from './distributions.js';

/** Shape of the Lan–DeMets spending function: O'Brien–Fleming type (spends little early) or Pocock type. */
export type SpendingShape = 'obrien-fleming' | 'pocock';

/** Efficacy boundaries of a group-sequential design, one entry per look. */
export interface GroupSequentialBoundaries {
  /** z-scale boundaries c_k: reject at look k when Z_k ≥ c_k (Infinity where nothing is spent). */
  readonly z: number[];
  /** Nominal one-sided levels 1 − Φ(c_k): reject at look k when that look's p-value ≤ nominalP[k]. */
  readonly nominalP: number[];
  /** Cumulative α spent through each look, α(t_k); the last entry is α when the last fraction is 1. */
  readonly spent: number[];
}

/** Grid size parameter r of Jennison & Turnbull's grid (ch. 19); 12r − 3 points per look. */
const GRID_R = 32;

/** Bracketing width and tolerance of the boundary root search (z scale). */
const BOUNDARY_TOLERANCE = 1e-12;
const MAX_BOUNDARY_ITERATIONS = 200;

const INV_SQRT_2PI = 0.39894228040143267794;

/** Upper tail 1 − Φ(x), accurate in relative terms for large x. */
function upperTail(x: number): number {
  return normalCdf(-x);
}

function checkAlpha(alpha: number, fn: string): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`${fn}: alpha must be in (0, 1), got ${alpha}`);
}

function checkShape(shape: SpendingShape, fn: string): void {
  if (shape !== 'obrien-fleming' && shape !== 'pocock') {
    throw new RangeError(`${fn}: shape must be 'obrien-fleming' or 'pocock', got ${String(shape)}`);
  }
}

function checkFractions(fractions: readonly number[], fn: string): void {
  if (fractions.length === 0) throw new RangeError(`${fn}: fractions must hold at least one look, got []`);
  fractions.forEach((t, i) => {
    if (!(t > 0 && t <= 1)) throw new RangeError(`${fn}: fraction ${i} must be in (0, 1], got ${t}`);
    if (i > 0 && !(t > (fractions[i - 1] as number))) {
      throw new RangeError(`${fn}: fractions must increase strictly; fraction ${i} is ${t} after ${fractions[i - 1]}`);
    }
  });
}

/**
 * Lan–DeMets spending function: the cumulative one-sided type-I error α(t) allowed by information
 * fraction t ∈ (0, 1].
 *
 * - `'obrien-fleming'`: α(t) = 2 − 2Φ(z_{1−α/2}/√t) (the one-sided version of Lan & DeMets' O'Brien–
 *   Fleming-type function; α(1) = α). Spends almost nothing early: strong evidence needed to stop.
 * - `'pocock'`: α(t) = α·ln(1 + (e − 1)t). Spends more evenly: nearly constant boundaries.
 *
 * @throws RangeError on t outside (0, 1], α outside (0, 1) or an unknown shape.
 */
export function spendingFunction(t: number, alpha: number, shape: SpendingShape): number {
  checkAlpha(alpha, 'spendingFunction');
  checkShape(shape, 'spendingFunction');
  if (!(t > 0 && t <= 1)) throw new RangeError(`spendingFunction: t must be in (0, 1], got ${t}`);
  if (t === 1) return alpha;
  if (shape === 'pocock') return alpha * Math.log1p((Math.E - 1) * t);
  // 2 − 2Φ(x) = 2·Φ(−x), accurate when it is tiny.
  return Math.min(alpha, 2 * upperTail(normalQuantile(1 - alpha / 2) / Math.sqrt(t)));
}

/** Simpson nodes and weights for ∫ f over (lo, hi) ∩ (the J&T grid around mu). */
function grid(mu: number, lo: number, hi: number): { x: Float64Array; w: Float64Array } {
  const r = GRID_R;
  const base: number[] = [];
  for (let i = 1; i <= 6 * r - 1; i++) {
    let x: number;
    if (i < r) x = -3 - 4 * Math.log(r / i);
    else if (i <= 5 * r) x = -3 + (3 * (i - r)) / (2 * r);
    else x = 3 + 4 * Math.log(r / (6 * r - i));
    base.push(mu + x);
  }
  const kept = base.filter((x) => x > lo && x < hi);
  if (lo > (base[0] as number)) kept.unshift(lo);
  if (hi < (base[base.length - 1] as number)) kept.push(hi);
  // Fewer than two nodes: (lo, hi) lies beyond the grid, ~17 sd from the mean; its mass is negligible.
  if (kept.length < 2) return { x: new Float64Array(0), w: new Float64Array(0) };
  const m = kept.length;
  const x = new Float64Array(2 * m - 1);
  for (let i = 0; i < m; i++) {
    x[2 * i] = kept[i] as number;
    if (i < m - 1) x[2 * i + 1] = 0.5 * ((kept[i] as number) + (kept[i + 1] as number));
  }
  const w = new Float64Array(2 * m - 1);
  for (let i = 0; i < m - 1; i++) {
    const h = (x[2 * i + 2] as number) - (x[2 * i] as number);
    w[2 * i] = (w[2 * i] as number) + h / 6;
    w[2 * i + 1] = (4 * h) / 6;
    w[2 * i + 2] = (w[2 * i + 2] as number) + h / 6;
  }
  return { x, w };
}

/**
 * State of the recursion after look k: nodes z and values w·h_k(z) of the sub-density of Z_k on the
 * continuation region {Z₁ < c₁, …, Z_k < c_k}, already multiplied by the Simpson weights.
 */
interface Continuation {
  readonly z: Float64Array;
  readonly weighted: Float64Array;
  readonly t: number;
}

/** P(continuation through look k−1 and Z_k ≥ c), given the state after look k−1 (null for k = 1). */
function crossing(previous: Continuation | null, t: number, c: number, drift: number): number {
  if (c === Infinity) return 0;
  if (previous === null) return upperTail(c - drift * Math.sqrt(t));
  const dt = t - previous.t;
  const sdt = Math.sqrt(dt);
  const st = Math.sqrt(t);
  const sp = Math.sqrt(previous.t);
  let sum = 0;
  for (let i = 0; i < previous.z.length; i++) {
    // S_k − S_{k−1} ~ N(drift·dt, dt) on the score scale S = Z√t.
    sum += (previous.weighted[i] as number) * upperTail((c * st - (previous.z[i] as number) * sp - drift * dt) / sdt);
  }
  return sum;
}

/** d/dc of {@link crossing} (negative). */
function crossingSlope(previous: Continuation | null, t: number, c: number, drift: number): number {
  if (previous === null) {
    const u = c - drift * Math.sqrt(t);
    return -INV_SQRT_2PI * Math.exp(-0.5 * u * u);
  }
  const dt = t - previous.t;
  const sdt = Math.sqrt(dt);
  const st = Math.sqrt(t);
  const sp = Math.sqrt(previous.t);
  let sum = 0;
  for (let i = 0; i < previous.z.length; i++) {
    const u = (c * st - (previous.z[i] as number) * sp - drift * dt) / sdt;
    sum += (previous.weighted[i] as number) * Math.exp(-0.5 * u * u);
  }
  return (-INV_SQRT_2PI * sum * st) / sdt;
}

/** The state after look k (continuation below c), from the state after look k−1. */
function advance(previous: Continuation | null, t: number, c: number, drift: number): Continuation {
  const mu = drift * Math.sqrt(t);
  const { x, w } = grid(mu, -Infinity, c);
  const weighted = new Float64Array(x.length);
  if (previous === null) {
    for (let j = 0; j < x.length; j++) {
      const u = (x[j] as number) - mu;
      weighted[j] = (w[j] as number) * INV_SQRT_2PI * Math.exp(-0.5 * u * u);
    }
    return { z: x, weighted, t };
  }
  const dt = t - previous.t;
  const sdt = Math.sqrt(dt);
  const st = Math.sqrt(t);
  const sp = Math.sqrt(previous.t);
  const scale = (INV_SQRT_2PI * st) / sdt;
  for (let j = 0; j < x.length; j++) {
    const target = (x[j] as number) * st - drift * dt;
    let sum = 0;
    for (let i = 0; i < previous.z.length; i++) {
      const u = (target - (previous.z[i] as number) * sp) / sdt;
      sum += (previous.weighted[i] as number) * Math.exp(-0.5 * u * u);
    }
    weighted[j] = (w[j] as number) * scale * sum;
  }
  return { z: x, weighted, t };
}

/** The c with crossing(previous, t, c) = target (decreasing in c): safeguarded Newton. */
function solveBoundary(previous: Continuation | null, t: number, target: number): number {
  if (!(target > 0)) return Infinity;
  if (previous === null) return -normalQuantile(target);
  // Bracket: crossing(c) ≤ P(Z_k ≥ c), so the root lies below isf(target); and it is ≥ isf of the
  // total mass through k (crossing(c) ≥ P(Z_k ≥ c) − mass spent before).
  let hi = -normalQuantile(Math.min(target, 0.5));
  let lo = hi - 1;
  while (crossing(previous, t, lo, 0) < target) lo -= 1;
  let c = 0.5 * (lo + hi);
  for (let i = 0; i < MAX_BOUNDARY_ITERATIONS; i++) {
    const value = crossing(previous, t, c, 0) - target;
    if (value > 0) lo = c;
    else hi = c;
    let next = c - value / crossingSlope(previous, t, c, 0);
    if (!Number.isFinite(next) || next <= lo || next >= hi) next = 0.5 * (lo + hi);
    if (Math.abs(next - c) <= BOUNDARY_TOLERANCE * Math.max(1, Math.abs(c)) || hi - lo <= BOUNDARY_TOLERANCE) return next;
    c = next;
  }
  return c;
}

/** Most designs whose recursion is kept (the run-time decision and the adjusted p reuse them). */
const CACHE_SIZE = 256;
const cache = new Map<string, { boundaries: GroupSequentialBoundaries; states: Continuation[] }>();

/** {@link compute}, memoised on (shape, α, fractions); the cached boundaries are never handed out. */
function recurse(fractions: readonly number[], alpha: number, shape: SpendingShape): {
  boundaries: GroupSequentialBoundaries;
  states: Continuation[];
} {
  const key = `${shape}|${alpha}|${fractions.join(',')}`;
  let entry = cache.get(key);
  if (entry === undefined) {
    entry = compute(fractions, alpha, shape);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, entry);
  }
  return entry;
}

/** Boundaries and the continuation state after each look. */
function compute(fractions: readonly number[], alpha: number, shape: SpendingShape): {
  boundaries: GroupSequentialBoundaries;
  states: Continuation[];
} {
  const z: number[] = [];
  const spent: number[] = [];
  const states: Continuation[] = [];
  let previous: Continuation | null = null;
  let spentBefore = 0;
  for (const t of fractions) {
    const cumulative = spendingFunction(t, alpha, shape);
    const c = solveBoundary(previous, t, cumulative - spentBefore);
    z.push(c);
    spent.push(cumulative);
    previous = advance(previous, t, c, 0);
    states.push(previous);
    spentBefore = cumulative;
  }
  return { boundaries: { z, nominalP: z.map(upperTail), spent }, states };
}

/**
 * Lan–DeMets efficacy boundaries for a one-sided test at level α monitored at the given information
 * fractions: c_k with P_H0(Z₁ < c₁, …, Z_{k−1} < c_{k−1}, Z_k ≥ c_k) = α(t_k) − α(t_{k−1}), where α(·) is
 * {@link spendingFunction} and Corr(Z_i, Z_j) = √(t_i/t_j). c_k depends on t₁…t_k only, so the
 * boundaries already used at earlier looks never change when later looks are added or moved.
 * A last fraction below 1 is allowed; the design then spends only α(t_K) < α.
 *
 * For example `groupSequentialBoundaries([0.2, 0.4, 0.6, 0.8, 1], 0.025, 'obrien-fleming').z` is
 * 4.877, 3.357, 2.680, 2.290, 2.031 (the published Lan–DeMets O'Brien–Fleming-type values).
 *
 * @param fractions - information fractions t_k, strictly increasing in (0, 1].
 * @param alpha - one-sided level α in (0, 1).
 * @param shape - spending-function shape.
 * @throws RangeError naming the offending fraction (by index and value), α or shape.
 */
export function groupSequentialBoundaries(
  fractions: readonly number[],
  alpha: number,
  shape: SpendingShape,
): GroupSequentialBoundaries {
  checkAlpha(alpha, 'groupSequentialBoundaries');
  checkShape(shape, 'groupSequentialBoundaries');
  checkFractions(fractions, 'groupSequentialBoundaries');
  const { z, nominalP, spent } = recurse(fractions, alpha, shape).boundaries;
  return { z: [...z], nominalP: [...nominalP], spent: [...spent] };
}

/** z-statistic Φ⁻¹(1 − p) of a one-sided p-value, computed as −Φ⁻¹(p) so tiny p keep their digits. */
function zOfP(p: number): number {
  return -normalQuantile(p);
}

/**
 * Stagewise-ordering adjusted p-value of a one-sided group-sequential test that stopped at look
 * k = fractions.length (by crossing c_k, or because k is its last look) with one-sided p-value `p`
 * there:
 *
 *   p_adj = P_H0(cross at some look j < k) + P_H0(Z₁ < c₁, …, Z_{k−1} < c_{k−1}, Z_k ≥ z_k),
 *   z_k = Φ⁻¹(1 − p), the first term being α(t_{k−1}).
 *
 * Outcomes that stop earlier are more extreme than any that stop later (Fairbanks & Madsen 1982;
 * Jennison & Turnbull 2000, §8.4), so p_adj is uniform on (0, 1) under H0 and is the one valid
 * p-value of the stopped test, e.g. for a Benjamini–Hochberg family. p_adj ≤ α(t_k) exactly when
 * the boundary was crossed at look k (enforced against the last ulp of integration error); at a last
 * look with fraction 1 and no crossing p_adj > α. The earlier looks must not have crossed (a test
 * that crossed stops there).
 *
 * @param fractions - information fractions of the looks taken, the stopping look last.
 * @param alpha - one-sided level α in (0, 1).
 * @param shape - spending-function shape.
 * @param p - one-sided p-value at the stopping look, in [0, 1].
 * @throws RangeError on invalid fractions, α, shape or p.
 */
export function stagewiseAdjustedP(fractions: readonly number[], alpha: number, shape: SpendingShape, p: number): number {
  checkAlpha(alpha, 'stagewiseAdjustedP');
  checkShape(shape, 'stagewiseAdjustedP');
  checkFractions(fractions, 'stagewiseAdjustedP');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`stagewiseAdjustedP: p must be in [0, 1], got ${p}`);
  const { boundaries, states } = recurse(fractions, alpha, shape);
  const k = fractions.length;
  const spentBefore = k > 1 ? (boundaries.spent[k - 2] as number) : 0;
  const previous = k > 1 ? (states[k - 2] as Continuation) : null;
  const z = zOfP(p);
  const tail = z === -Infinity ? (previous === null ? 1 : mass(previous)) : crossing(previous, fractions[k - 1] as number, z, 0);
  const adjusted = Math.min(1, Math.max(0, spentBefore + tail));
  const crossed = z >= (boundaries.z[k - 1] as number);
  const spentThrough = boundaries.spent[k - 1] as number;
  // Keep the decision and the adjusted p consistent to the last bit.
  if (crossed) return Math.min(adjusted, spentThrough);
  return Math.max(adjusted, nextUp(spentThrough));
}

/** Total mass of a continuation state (P of no crossing through its look). */
function mass(state: Continuation): number {
  let sum = 0;
  for (let i = 0; i < state.weighted.length; i++) sum += state.weighted[i] as number;
  return sum;
}

/** The next double above x (x ≥ 0, finite). */
function nextUp(x: number): number {
  const buffer = new Float64Array([x]);
  const bits = new BigUint64Array(buffer.buffer);
  bits[0] = (bits[0] as bigint) + 1n;
  return buffer[0] as number;
}

/** A group-sequential design for one one-sided test. */
export interface SequentialDesign {
  /** Planned trials per arm at the last look (information fraction 1). */
  readonly maxN: number;
  /** One-sided level α of the test, in (0, 1). */
  readonly alpha: number;
  /** Spending-function shape. */
  readonly shape: SpendingShape;
}

/** What was observed at one look: trials per arm that finished (errored trials excluded) and the test's p. */
export interface LookObservation {
  /** Finished trials of arm A (e.g. poisoned). */
  readonly nA: number;
  /** Finished trials of arm B (e.g. clean control). */
  readonly nB: number;
  /** One-sided p-value of the monitored test at this look (e.g. `welchOneSided(...).p`). */
  readonly p: number;
}

/** Outcome of {@link sequentialLook}. */
export type SequentialDecision = 'reject' | 'continue' | 'accept';

/** The decision at the current look and how it was reached. */
export interface SequentialLookResult {
  /** 'reject': boundary crossed, stop and reject H0; 'continue': take the next look; 'accept': last look, not crossed. */
  readonly decision: SequentialDecision;
  /** 1-based index of the current look. */
  readonly look: number;
  /** Information fractions used for the looks so far (the last one set to 1 on a final look). */
  readonly fractions: number[];
  /** Whether this look is the last one (fraction reached 1 or the caller said so). */
  readonly final: boolean;
  /** Boundaries for those fractions. */
  readonly boundaries: GroupSequentialBoundaries;
  /** The p-value at this look and the nominal level it was compared with (reject when p ≤ nominalP). */
  readonly p: number;
  readonly nominalP: number;
  /** Stagewise adjusted p-value ({@link stagewiseAdjustedP}) when the test stops here; undefined on 'continue'. */
  readonly adjustedP: number | undefined;
}

/** Information of a two-sample comparison, ∝ 1/(1/nA + 1/nB). */
function information(nA: number, nB: number): number {
  return (nA * nB) / (nA + nB);
}

/**
 * The run-time decision of a group-sequential one-sided test at the current (last given) look.
 *
 * Information fraction of look k: I_k / I_max with I = 1/(1/nA + 1/nB) and I_max = maxN/2, i.e.
 * n_k/maxN for equal arms; errored trials simply lower n_k. Boundaries are recomputed for the fractions
 * actually observed (Lan–DeMets flexibility): c_j depends on t₁…t_j only, so earlier looks keep the
 * boundaries and the α they spent when they were taken. A look whose fraction reaches 1 (or that the
 * caller marks `final`, e.g. because the trial budget is exhausted below maxN) is the last: its
 * fraction is set to 1 so that the whole α is spent.
 *
 * Approximation (the usual practice with t-tests, Jennison & Turnbull 2000, §3.8 "significance level
 * approach"): each look's one-sided Welch p-value is compared with the nominal normal-theory level
 * 1 − Φ(c_k). Marginally each look then has the intended size; the joint behaviour of the t-statistics
 * only approximates the normal one, so the overall size is close to, not exactly, α — at very small n
 * Welch's test is itself conservative. `benchmarks/stats/sequential-design.ts` measures it.
 *
 * @param looks - every look so far in order (none may have crossed before the current one).
 * @param design - planned maxN per arm, α and shape.
 * @param options - `final: true` to make the current look the last even below maxN.
 * @throws RangeError on invalid design, a look with n below {@link MIN_SAMPLES_PER_ARM}, p outside [0, 1],
 *   information not increasing strictly from look to look, a look after the last one, or an earlier look
 *   that already crossed its boundary.
 */
export function sequentialLook(
  looks: readonly LookObservation[],
  design: SequentialDesign,
  options: { final?: boolean } = {},
): SequentialLookResult {
  const { maxN, alpha, shape } = design;
  checkAlpha(alpha, 'sequentialLook');
  checkShape(shape, 'sequentialLook');
  if (!(Number.isInteger(maxN) && maxN >= MIN_SAMPLES_PER_ARM)) {
    throw new RangeError(`sequentialLook: maxN must be an integer ≥ ${MIN_SAMPLES_PER_ARM}, got ${maxN}`);
  }
  if (looks.length === 0) throw new RangeError('sequentialLook: looks must hold at least the current look, got []');
  const maxInformation = information(maxN, maxN);
  const fractions: number[] = [];
  looks.forEach((look, i) => {
    for (const [name, n] of [['nA', look.nA], ['nB', look.nB]] as const) {
      if (!(Number.isInteger(n) && n >= MIN_SAMPLES_PER_ARM)) {
        throw new RangeError(`sequentialLook: look ${i + 1} ${name} must be an integer ≥ ${MIN_SAMPLES_PER_ARM}, got ${n}`);
      }
    }
    if (!(look.p >= 0 && look.p <= 1)) throw new RangeError(`sequentialLook: look ${i + 1} p must be in [0, 1], got ${look.p}`);
    const t = Math.min(1, information(look.nA, look.nB) / maxInformation);
    if (i > 0) {
      const before = fractions[i - 1] as number;
      if (before >= 1) throw new RangeError(`sequentialLook: look ${i} already reached maxN = ${maxN}; look ${i + 1} comes after the last look`);
      if (!(t > before)) {
        throw new RangeError(
          `sequentialLook: information must grow from look to look; look ${i + 1} (nA ${look.nA}, nB ${look.nB}) has fraction ${t} after ${before}`,
        );
      }
    }
    fractions.push(t);
  });
  const k = looks.length;
  const final = options.final === true || (fractions[k - 1] as number) >= 1;
  if (final) fractions[k - 1] = 1;
  const boundaries = groupSequentialBoundaries(fractions, alpha, shape);
  for (let j = 0; j < k - 1; j++) {
    if ((looks[j] as LookObservation).p <= (boundaries.nominalP[j] as number)) {
      throw new RangeError(
        `sequentialLook: look ${j + 1} already crossed its boundary (p ${(looks[j] as LookObservation).p} ≤ ${boundaries.nominalP[j]}); the test stopped there`,
      );
    }
  }
  const p = (looks[k - 1] as LookObservation).p;
  const nominalP = boundaries.nominalP[k - 1] as number;
  const crossed = p <= nominalP;
  const decision: SequentialDecision = crossed ? 'reject' : final ? 'accept' : 'continue';
  const adjustedP = decision === 'continue' ? undefined : stagewiseAdjustedP(fractions, alpha, shape, p);
  return { decision, look: k, fractions, final, boundaries, p, nominalP, adjustedP };
}

/**
 * Planned trials per arm at each look: min, min + step, …, and max (always the last look, even when
 * max − min is not a multiple of step).
 *
 * Default step 1 (a look after every trial pair): a look costs no trials, only α, and with
 * O'Brien–Fleming spending the α spent depends on the information fraction, not on the number of looks,
 * so more looks only shorten the overshoot past the point where the evidence suffices. The benchmark
 * (`npm run bench:sequential`) finds step 1 cheaper in mean trials than steps 2 and 3 at equal power
 * and size. Pass a larger step when trials run in parallel batches (step = trial pairs per batch).
 *
 * @param min - trials per arm at the first look, an integer ≥ {@link MIN_SAMPLES_PER_ARM}.
 * @param max - trials per arm at the last look, an integer ≥ min.
 * @param step - trials per arm added between looks, a positive integer (default 1).
 * @throws RangeError naming the offending argument and value.
 */
export function planLooks(min: number, max: number, step = 1): number[] {
  if (!(Number.isInteger(min) && min >= MIN_SAMPLES_PER_ARM)) {
    throw new RangeError(`planLooks: min must be an integer ≥ ${MIN_SAMPLES_PER_ARM}, got ${min}`);
  }
  if (!(Number.isInteger(max) && max >= min)) throw new RangeError(`planLooks: max must be an integer ≥ min (${min}), got ${max}`);
  if (!(Number.isInteger(step) && step >= 1)) throw new RangeError(`planLooks: step must be a positive integer, got ${step}`);
  const looks: number[] = [];
  for (let n = min; n < max; n += step) looks.push(n);
  looks.push(max);
  return looks;
}
