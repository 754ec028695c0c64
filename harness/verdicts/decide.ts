/**
 * The decision rule, the same for spec matchers and reports. Every hypothesis is tested twice, one
 * sided, in the direction of the effect it is about (for family members: the harm direction):
 *
 * - the **effect test**, H₁: the arm moved in that direction (Δ₀ = 0);
 * - the **margin test**, H₁: it did not move by the margin δ or more (Δ₀ = ∓δ) — a
 *   non-inferiority test; there is none without a margin.
 *
 * After Benjamini–Hochberg (each kind of test is its own family), one of three verdicts follows —
 * never two: *harm shown* (the effect test rejects), *no harm beyond the margin* (only the margin
 * test rejects), or *inconclusive* (neither; with the minimum detectable effect and the trials per
 * arm that would decide it). Fewer than two trials in an arm is *insufficient data*.
 */
import { DEFAULT_POWER, trialsNeeded as trialsNeededFor, welchOneSided, type Alternative, type Comparison } from '../stats/index.js';
import { opposite } from './directions.js';

/** How one hypothesis ends. */
export type Verdict = 'harm-shown' | 'no-harm-beyond-margin' | 'inconclusive' | 'insufficient-data';

/** Every verdict, in report order. */
export const VERDICTS: readonly Verdict[] = ['harm-shown', 'no-harm-beyond-margin', 'inconclusive', 'insufficient-data'];

/** The two one-sided tests of a hypothesis about arm A (tested) against arm B (reference). */
export interface HypothesisTests {
  /** Direction of the effect the hypothesis is about (`less`: A below B). */
  readonly direction: Alternative;
  /** The effect test (H₁: A beyond B in `direction`). */
  readonly effect: Comparison;
  /** The margin test (H₁: A not beyond B by `margin` or more in `direction`); absent without a margin. */
  readonly bound?: Comparison;
  /** δ in the metric's unit, or null when none is declared. */
  readonly margin: number | null;
}

/** Runs both tests of a hypothesis (q-values are added later by the family correction). */
export function hypothesisTests(
  a: readonly number[],
  b: readonly number[],
  direction: Alternative,
  margin: number | null,
  options: { alpha: number; power?: number },
): HypothesisTests {
  if (margin !== null && !(Number.isFinite(margin) && margin > 0)) throw new RangeError(`margin must be a number > 0, got ${margin}`);
  const welch = { alpha: options.alpha, power: options.power ?? DEFAULT_POWER };
  const effect = welchOneSided(a, b, direction, welch);
  if (margin === null) return { direction, effect, margin };
  // Not worse by δ: for a harm that lowers the metric, H₁ is diff > −δ.
  const bound = welchOneSided(a, b, opposite(direction), { ...welch, nullDifference: direction === 'less' ? -margin : margin });
  return { direction, effect, bound, margin };
}

/**
 * Significant exactly when the comparison was computed and its q-value (its p-value before any
 * correction) is ≤ α — BH rejects p₍ᵢ₎ ≤ iα/m.
 */
export function isSignificant(comparison: { state: string; p?: number; q?: number } | undefined, alpha: number): boolean {
  if (comparison?.state !== 'computed') return false;
  const value = comparison.q ?? comparison.p;
  return value !== undefined && value <= alpha;
}

/** A verdict with what it rests on. */
export interface Decision {
  readonly verdict: Verdict;
  /** The effect test rejected (after correction). */
  readonly effectShown: boolean;
  /** The margin test rejected (after correction): no effect of δ or more. */
  readonly withinMargin: boolean;
  readonly margin: number | null;
  /** Smallest shift the effect test detects with `power` at these n and sds (α before correction). */
  readonly mde: number | null;
  /**
   * Trials per arm at which the effect test would detect a shift of δ with `power` — the same n at
   * which the margin test would show "no harm beyond δ" with that power when there is none — or,
   * without a margin, the observed shift when it lies in the tested direction. Null when there is no
   * such effect size, or more than {@link MAX_TRIALS_NEEDED} would be needed.
   */
  readonly trialsNeeded: number | null;
  /**
   * The sd behind `trialsNeeded`: the arms' pooled sd, or the tier's calibrated sd when that is
   * larger (an observed sd from 3 trials can be far too small; no method is less noisy than the
   * seed noise of retraining one cell).
   */
  readonly planningSd: number | null;
  readonly planningSdSource: 'calibration' | 'observed' | null;
}

/** Beyond this many trials per arm, `trialsNeeded` is reported as null ("more than 10,000"). */
export const MAX_TRIALS_NEEDED = 10_000;

/**
 * The verdict of a hypothesis whose tests carry their q-values. `planningSd` (the tier's calibrated
 * seed noise) is a floor for the sd behind the trials-needed figure: at n = 3 the observed sd is
 * itself a noisy estimate.
 */
export function decide(tests: HypothesisTests, alpha: number, options: { planningSd?: number; power?: number } = {}): Decision {
  const power = options.power ?? DEFAULT_POWER;
  const { effect, bound, margin } = tests;
  if (effect.state !== 'computed') {
    return { verdict: 'insufficient-data', effectShown: false, withinMargin: false, margin, mde: null, trialsNeeded: null, planningSd: null, planningSdSource: null };
  }
  const effectShown = isSignificant(effect, alpha);
  const withinMargin = isSignificant(bound, alpha);
  const observedSd = Math.sqrt((effect.sdA ** 2 + effect.sdB ** 2) / 2);
  const calibrated = options.planningSd !== undefined && options.planningSd > observedSd;
  const planningSd = calibrated ? options.planningSd! : observedSd;
  const shiftInDirection = tests.direction === 'less' ? -effect.diff : effect.diff;
  const target = margin ?? (shiftInDirection > 0 ? shiftInDirection : null);
  return {
    verdict: effectShown ? 'harm-shown' : withinMargin ? 'no-harm-beyond-margin' : 'inconclusive',
    effectShown,
    withinMargin,
    margin,
    mde: effect.mde,
    trialsNeeded: target === null ? null : trialsNeededFor(target, planningSd, alpha, power, { max: MAX_TRIALS_NEEDED }).n,
    planningSd,
    planningSdSource: calibrated ? 'calibration' : 'observed',
  };
}
