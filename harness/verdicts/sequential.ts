/**
 * The tests of a hypothesis whose poisoned arm ran sequentially (harness/run/sequential.ts): its
 * monitored hypothesis (accuracy, and ΔImp with it) is judged by the stagewise-adjusted p-values of
 * the stopped tests — `adjustedHarmP` for the effect test, `adjustedMarginP` for the margin test,
 * each when not null and the test was computed — instead of a fixed-n Welch p at the data-dependent
 * n it stopped at. Other metrics (tracked diagnostics are not monitored) keep their tests. Applied
 * before Benjamini–Hochberg, by the spec matrices and the reports alike.
 */
import type { Comparison, SpendingShape } from '../stats/index.js';
import type { HypothesisTests } from './decide.js';
import { hypothesisMetric } from './directions.js';

/** Why a sequential arm stopped. */
export const STOP_REASONS = [
  'harm boundary crossed',
  'margin boundary crossed',
  'both boundaries crossed',
  'maximum trials reached',
  'last look added no trials',
  'insufficient data at the last look',
] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** One look of one arm. */
export interface ArmLook {
  /** Completed trials of the poisoned arm and of the control at this look. */
  nA: number;
  nB: number;
  /** One-sided p of the harm test and the nominal level it was compared with. */
  harmP: number;
  harmLevel: number;
  /** The same for the margin test (null without a margin). */
  marginP: number | null;
  marginLevel: number | null;
}

/** What is stored per sequential arm: the design, its looks, why it stopped. */
export interface ArmSequentialRecord {
  /** Arm key, e.g. `random-label-flip@0.5`. */
  arm: string;
  budget: number;
  design: { min: number; max: number; step: number; shape: SpendingShape; alpha: number; margin: number | null; metric: 'accuracy'; looks: number[] };
  looks: ArmLook[];
  /** Completed trials of the poisoned arm when it stopped. */
  stoppedAt: number;
  reason: StopReason;
  /** Stagewise-adjusted p-values of the two tests at the stop (null: no such test, or no look with data). */
  adjustedHarmP: number | null;
  adjustedMarginP: number | null;
}

/** The adjusted p-values a stopped sequential arm carries. */
export interface SequentialAdjustment {
  readonly adjustedHarmP: number | null;
  readonly adjustedMarginP: number | null;
}

/** `tests` with the arm's stagewise-adjusted p-values, when it ran sequentially and the metric is monitored. */
export function sequentialTests(tests: HypothesisTests, metric: string, record: SequentialAdjustment | undefined): HypothesisTests {
  if (!record || hypothesisMetric(metric) !== 'accuracy') return tests;
  // A record without an adjusted p (no look had data) must not fall back on a fixed-n p at a
  // data-dependent n: p = 1, never significant.
  const adjust = <C extends Comparison>(c: C, p: number | null): C => (c.state === 'computed' ? { ...c, p: p ?? 1 } : c);
  return {
    ...tests,
    effect: adjust(tests.effect, record.adjustedHarmP),
    ...(tests.bound ? { bound: adjust(tests.bound, record.adjustedMarginP) } : {}),
  };
}
