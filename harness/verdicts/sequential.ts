/**
 * The tests of a hypothesis whose poisoned arm ran sequentially (harness/run/sequential.ts): its
 * monitored hypothesis (accuracy, and ΔImp with it) is judged by the stagewise-adjusted p-values of
 * the stopped tests — `adjustedHarmP` for the effect test, `adjustedMarginP` for the margin test,
 * each when not null and the test was computed — instead of a fixed-n Welch p at the data-dependent
 * n it stopped at. Other metrics (tracked diagnostics are not monitored) keep their tests. Applied
 * before Benjamini–Hochberg, by the spec matrices and the reports alike.
 */
import type { Comparison } from '../stats/index.js';
import type { HypothesisTests } from './decide.js';
import { hypothesisMetric } from './directions.js';

/** The adjusted p-values a stopped sequential arm carries. */
export interface SequentialAdjustment {
  readonly adjustedHarmP: number | null;
  readonly adjustedMarginP: number | null;
}

/** `tests` with the arm's stagewise-adjusted p-values, when it ran sequentially and the metric is monitored. */
export function sequentialTests(tests: HypothesisTests, metric: string, record: SequentialAdjustment | undefined): HypothesisTests {
  if (!record || hypothesisMetric(metric) !== 'accuracy') return tests;
  const adjust = <C extends Comparison>(c: C, p: number | null): C => (c.state === 'computed' && p !== null ? { ...c, p } : c);
  return {
    ...tests,
    effect: adjust(tests.effect, record.adjustedHarmP),
    ...(tests.bound ? { bound: adjust(tests.bound, record.adjustedMarginP) } : {}),
  };
}
