/**
 * Sequential trials: a matrix declared with `trials: { min, max }` runs its trials in looks (min,
 * min + step, …, max trials per arm) and a poisoned arm stops at the first look where a
 * group-sequential test decides — never "add seeds until significant".
 *
 * Each arm monitors its accuracy hypothesis (ΔImp is the same hypothesis) with both one-sided tests
 * of harness/verdicts: the harm test and, when a margin δ is declared, the margin
 * (non-inferiority) test — each against its own Lan–DeMets α-spending boundary at level α
 * (O'Brien–Fleming or Pocock shape). The arm stops when either crosses, or at max. Its verdict then
 * rests on the stagewise-adjusted p-values (the p-values of a stopped sequential test), which enter
 * the matrix's Benjamini–Hochberg families like fixed-design p-values: an arm can stop on a boundary
 * at α and still end inconclusive once the family is corrected, and the report says so. Tracked
 * diagnostics are not monitored; their tests use the n the arm stopped at.
 */
import { planLooks, sequentialLook, stagewiseAdjustedP, type LookObservation, type SequentialLookResult, type SpendingShape } from '../stats/index.js';
import { hypothesisTests, type ArmLook, type ArmSequentialRecord, type StopReason } from '../verdicts/index.js';

export type { ArmLook, ArmSequentialRecord, StopReason } from '../verdicts/index.js';

/** `trials: { min, max }` of a matrix spec. */
export interface SequentialTrials {
  /** Trials per arm at the first look (≥ 2). */
  min: number;
  /** Trials per arm at the last look. */
  max: number;
  /** Trials per arm added between looks (default 1: a look costs no trials; see `planLooks` and `npm run bench:sequential`). */
  step?: number;
  /** α-spending shape (default O'Brien–Fleming: spends little early, keeps nearly all power at max). */
  shape?: SpendingShape;
}

/** Checks a `trials: { min, max }` declaration, naming the bad part. */
export function checkSequentialTrials(t: SequentialTrials, label: string): Required<SequentialTrials> {
  const step = t.step ?? 1;
  const shape = t.shape ?? 'obrien-fleming';
  if (!(Number.isInteger(t.min) && t.min >= 2)) throw new Error(`${label}: trials.min must be an integer ≥ 2, got ${t.min}`);
  if (!(Number.isInteger(t.max) && t.max > t.min)) throw new Error(`${label}: trials.max must be an integer > trials.min (${t.min}), got ${t.max}`);
  if (!(Number.isInteger(step) && step >= 1)) throw new Error(`${label}: trials.step must be a positive integer, got ${step}`);
  if (shape !== 'obrien-fleming' && shape !== 'pocock') throw new Error(`${label}: trials.shape must be 'obrien-fleming' or 'pocock', got ${String(shape)}`);
  return { min: t.min, max: t.max, step, shape };
}

/** A monitored arm between looks. */
export class ArmMonitor {
  private readonly harm: LookObservation[] = [];
  private readonly margin: LookObservation[] = [];
  readonly looks: ArmLook[] = [];
  record: ArmSequentialRecord | undefined;

  constructor(
    readonly arm: string,
    readonly budget: number,
    readonly design: Required<SequentialTrials> & { alpha: number; margin: number | null },
  ) {}

  /** Planned trials per arm at each look. */
  plannedLooks(): number[] {
    return planLooks(this.design.min, this.design.max, this.design.step);
  }

  /**
   * Takes the look at the arms' current accuracies; returns the record when the arm stops here.
   * A look that adds no information (errored trials) is skipped, except the last.
   */
  look(poisoned: readonly number[], control: readonly number[], last: boolean): ArmSequentialRecord | undefined {
    const { alpha, margin, max } = this.design;
    const tests = hypothesisTests(poisoned, control, 'less', margin, { alpha });
    const previous = this.looks.at(-1);
    const grew = !previous || tests.effect.nA > previous.nA || tests.effect.nB > previous.nB;
    const design = { maxN: max, alpha, shape: this.design.shape };
    if (tests.effect.state !== 'computed' || !grew) {
      if (!last) return undefined;
      if (!previous) return this.stop(tests.effect.nA, 'insufficient data at the last look', null, null);
      // Errored trials left the last look without new information: the previous look becomes the
      // final one (spending the rest of α there), so the verdict still rests on adjusted p-values.
      const final = (looks: readonly LookObservation[]) => (looks.length > 0 ? (sequentialLook(looks, design, { final: true }).adjustedP ?? null) : null);
      return this.stop(previous.nA, 'last look added no trials', final(this.harm), final(this.margin));
    }
    this.harm.push({ nA: tests.effect.nA, nB: tests.effect.nB, p: tests.effect.p });
    const harm = sequentialLook(this.harm, design, { final: last });
    let bound: SequentialLookResult | undefined;
    if (tests.bound?.state === 'computed') {
      this.margin.push({ nA: tests.bound.nA, nB: tests.bound.nB, p: tests.bound.p });
      bound = sequentialLook(this.margin, design, { final: last });
    }
    this.looks.push({ nA: tests.effect.nA, nB: tests.effect.nB, harmP: harm.p, harmLevel: harm.nominalP, marginP: bound?.p ?? null, marginLevel: bound?.nominalP ?? null });
    const harmCrossed = harm.decision === 'reject';
    const marginCrossed = bound?.decision === 'reject';
    if (!harmCrossed && !marginCrossed && !harm.final) return undefined;
    const reason: StopReason = harmCrossed && marginCrossed ? 'both boundaries crossed' : harmCrossed ? 'harm boundary crossed' : marginCrossed ? 'margin boundary crossed' : 'maximum trials reached';
    // A test that did not cross when the other did is stopped there too: its stagewise p is then
    // computed as for a stop at this look — above the α it had spent, but only approximately valid,
    // since the stop was triggered by the other (correlated) test. Its verdict can then only be
    // reached through BH over the family, never by its own boundary.
    const adjusted = (r: SequentialLookResult | undefined) => (r === undefined ? null : (r.adjustedP ?? stagewiseAdjustedP(r.fractions, alpha, this.design.shape, r.p)));
    return this.stop(tests.effect.nA, reason, adjusted(harm), adjusted(bound));
  }

  private stop(n: number, reason: StopReason, harmP: number | null, marginP: number | null): ArmSequentialRecord {
    this.record = {
      arm: this.arm,
      budget: this.budget,
      design: { ...this.design, metric: 'accuracy', looks: this.plannedLooks() },
      looks: this.looks,
      stoppedAt: n,
      reason,
      adjustedHarmP: harmP,
      adjustedMarginP: marginP,
    };
    return this.record;
  }
}
