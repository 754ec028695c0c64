/**
 * Verdicts: harm directions, hypothesis families and the three-verdict decision rule — one place
 * that the spec matchers and the reports both import, so both decide by the same rule. (They can
 * still differ where their families differ: a spec file corrects over its own hypotheses, the
 * report over the whole run.)
 * Pure (statistics only, no engine).
 *
 * @module
 */
export { CORE_METRICS, HARM_DIRECTION, harmDirection, hypothesisKey, hypothesisMetric, opposite } from './directions.js';
export { familySize, qValuesByHypothesis, type FamilyTest } from './family.js';
export {
  MAX_TRIALS_NEEDED,
  VERDICTS,
  decide,
  hypothesisTests,
  isSignificant,
  type Decision,
  type HypothesisTests,
  type Verdict,
} from './decide.js';
export { correctFamily, type FamilyMemberTests } from './correct.js';
export { RUN_ASSERTIONS_NAMESPACE, UNDERPOWERED_NOTE, type AssertionRecord, type AssertionStatus, type MatcherVerdict, type RunAssertions } from './records.js';
export { STOP_REASONS, sequentialTests, type ArmLook, type ArmSequentialRecord, type SequentialAdjustment, type StopReason } from './sequential.js';
