/**
 * Public entry of harness/stats: pure statistics (no engine, no TensorFlow) for naspoison's verdicts —
 * one-sided Welch tests, Benjamini–Hochberg q-values, Hedges' g, CIs, minimum detectable differences,
 * and the t / normal distributions behind them. Abbreviations are documented in `types.ts`.
 *
 * @module
 */

export type {
  Alternative,
  ArmMoments,
  Comparison,
  ComputedComparison,
  InsufficientComparison,
  Samples,
  SamplesOfTwoOrMore,
  Summary,
  WelchOptions,
} from './types.js';
export { DEFAULT_ALPHA, DEFAULT_CONFIDENCE, DEFAULT_POWER, MIN_SAMPLES_PER_ARM } from './constants.js';
export { normalCdf, normalPdf, normalQuantile, tCdf, tPdf, tQuantile } from './distributions.js';
export { welchOneSided } from './welch.js';
export { applyBenjaminiHochberg, benjaminiHochberg } from './bh.js';
export { hedgesCorrection, hedgesG, minimumDetectableDifference, welchDf } from './effect.js';
export { summarize } from './summary.js';
export { assertSamples, isSamples, isSamplesOfTwoOrMore } from './samples.js';
export { kendallTauB } from './kendall.js';
export { noncentralTCdf, powerOneSidedWelch, trialsNeeded } from './power.js';
export type { TrialsNeeded, TrialsNeededOptions } from './power.js';
export type {
  GroupSequentialBoundaries,
  LookObservation,
  SequentialDecision,
  SequentialDesign,
  SequentialLookResult,
  SpendingShape,
} from './group-sequential.js';
export { groupSequentialBoundaries, planLooks, sequentialLook, spendingFunction, stagewiseAdjustedP } from './group-sequential.js';
