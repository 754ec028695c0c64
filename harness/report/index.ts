/**
 * Public entry of harness/report: the results JSON (types, schema, validation), building it from
 * trial rows, interpretation sentences and number formatting, SVG charts, the Markdown / HTML
 * report, and the significance-aware leaderboard. Never imports the engine or TF.js.
 *
 * @module
 */

export type {
  AssertionRecord,
  AssertionStatus,
  AttackDiagnosticsRow,
  AttackDiagnosticsSection,
  AttackDiagnosticsTable,
  CalibrationInfo,
  CellResult,
  ComparisonResult,
  CoreMetric,
  DatasetInfo,
  DefenceRow,
  DefenceSection,
  JsonNumber,
  MatcherVerdict,
  MethodInfo,
  MetricSummary,
  PlanningSdSource,
  RandomBaselineSummary,
  RangeSummary,
  RenderedReport,
  ResultsComparison,
  ResultsComputedComparison,
  ResultsIssue,
  RunInfo,
  RunResults,
  SequentialArmResult,
  SensitivityMetricResult,
  SensitivityTable,
  Verdict,
} from './types.js';
export { RESULTS_SCHEMA_VERSION } from './types.js';
export { RESULTS_SCHEMA_PATH, ResultsValidationError, parseResults, resultsSchema, validateResults } from './schema.js';
export type { BuildOptions, MetricSettings } from './build.js';
export { DEFAULT_METRICS, buildRunResults, settingFor, summarizeMetric, toResultsComparison } from './build.js';
export { fromResultsComparison, storedDecision, storedTests } from './decision.js';
export { DEFENCE_DIAGNOSTICS, POISON_DIAGNOSTIC_NOTES, POISON_PREFIX, attackDiagnosticsSection, defenceSection, interpretRecovery, oracleCells, poisonDiagnosticsNote } from './defences.js';
export type { CellCoordinates } from './cells.js';
export { CLEAN_ATTACK, NO_DEFENCE, cellId, cellLabel, compareCells, controlOf, sortCells } from './cells.js';
export {
  formatAdaptive,
  formatBudget,
  formatChange,
  formatCi,
  formatCount,
  formatDiagnostic,
  formatMargin,
  formatMeanSd,
  formatNumber,
  formatP,
  formatPEquals,
  formatPp,
  formatSigned,
  interpretComparison,
  metricLabel,
  verdictLabel,
  type InterpretedComparison,
} from './interpret.js';
export type { ChartOptions, DeltaImprovementChart } from './charts.js';
export { accuracyChart, deltaImprovementChart, deltaImprovementCharts } from './charts.js';
export {
  REPORT_FILES,
  renderHtml,
  renderLeaderboardHtml,
  renderLeaderboardMarkdown,
  renderMarkdown,
  renderReport,
  serializeResults,
} from './render.js';
export type { Leaderboard, LeaderboardEntry, LeaderboardTable } from './leaderboard.js';
export { buildLeaderboard } from './leaderboard.js';
