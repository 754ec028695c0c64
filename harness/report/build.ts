/**
 * From stored trial rows to the results JSON: group trials into cells, summarise every metric, test
 * each poisoned cell against its control with a one-sided Welch test, correct all p-values of the
 * run together with Benjamini–Hochberg, and attach verdicts and interpretations.
 *
 * @module
 */

import { DEFAULT_ALPHA, DEFAULT_POWER, welchOneSided } from '../stats/index.js';
import { familySize, hypothesisKey, qValuesByHypothesis } from '../verdicts/index.js';
import type { Alternative, Comparison } from '../stats/index.js';
import type { EnvironmentFingerprint, TrialRecord } from '../store/types.js';
import { CLEAN_ATTACK, cellId, compareCells, controlOf, metricValues } from './cells.js';
import { interpretComparison, verdictOf } from './interpret.js';
import { validateResults } from './schema.js';
import { RESULTS_SCHEMA_VERSION } from './types.js';
import type {
  AssertionResult,
  CellResult,
  ComparisonResult,
  JsonNumber,
  MetricSummary,
  RandomBaselineSummary,
  ResultsComparison,
  RunInfo,
  RunResults,
} from './types.js';

/** A metric to test every poisoned cell on, and the direction of the test. */
export interface MetricSpec {
  /** `accuracy`, `deltaImprovement`, or a numeric diagnostic name. */
  readonly metric: string;
  /** `less`: poisoning is expected to lower it; `greater`: to raise it. */
  readonly alternative: Alternative;
}

/** Default tests: accuracy and ΔImp, each "poisoned < control". */
export const DEFAULT_METRICS: readonly MetricSpec[] = [
  { metric: 'accuracy', alternative: 'less' },
  { metric: 'deltaImprovement', alternative: 'less' },
];

/** What {@link buildRunResults} needs besides the trials. */
export interface BuildOptions {
  /** Version of the benchmark protocol the run followed. */
  readonly protocolVersion: string;
  /**
   * Run description. `tier`, `codeVersion` and `environment` default to the trials' own values and
   * must then agree across trials; `family` defaults to a description of the BH family.
   */
  readonly run: Pick<RunInfo, 'id' | 'createdAt' | 'dataset'> &
    Partial<Pick<RunInfo, 'title' | 'command' | 'tier' | 'codeVersion' | 'environment' | 'family'>>;
  /** The random baseline ΔImp was measured against. */
  readonly randomBaseline: RandomBaselineSummary;
  /** FDR level α (default 0.05). */
  readonly alpha?: number;
  /** Power for the MDEs (default 0.8). */
  readonly power?: number;
  /** Metrics to test (default {@link DEFAULT_METRICS}). */
  readonly metrics?: readonly MetricSpec[];
  /** Spec-file assertions to include. */
  readonly assertions?: readonly AssertionResult[];
}

/** Mean, sd (n − 1) and the values; mean `null` without values, sd `null` below two values. */
export function summarizeMetric(values: readonly number[]): MetricSummary {
  const n = values.length;
  if (n === 0) return { mean: null, sd: null, values: [] };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n >= 2 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, sd, values: [...values] };
}

function jsonNumber(x: number): JsonNumber {
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

/** The JSON form of a harness/stats comparison that went through BH (infinite t and g as strings). */
export function toResultsComparison(c: Comparison): ResultsComparison {
  if (c.state === 'insufficient-data') return { ...c };
  if (c.q === undefined) throw new Error('toResultsComparison: the comparison has no q; apply Benjamini–Hochberg first');
  return { ...c, t: jsonNumber(c.t), hedgesG: jsonNumber(c.hedgesG), q: c.q };
}

function uniform<T>(values: readonly T[], what: string, hint: string): T {
  const distinct = [...new Map(values.map((v) => [JSON.stringify(v), v])).entries()];
  if (distinct.length !== 1) {
    throw new Error(`buildRunResults: the trials disagree on ${what} (${distinct.map(([k]) => k).join(' vs ')}); ${hint}`);
  }
  return (distinct[0] as [string, T])[1];
}

function buildCells(trials: readonly TrialRecord[]): CellResult[] {
  const groups = new Map<string, TrialRecord[]>();
  for (const trial of trials) {
    const id = cellId(trial);
    const group = groups.get(id);
    if (group) group.push(trial);
    else groups.set(id, [trial]);
  }
  const cells: CellResult[] = [];
  for (const [id, group] of groups) {
    const ordered = [...group].sort((a, b) => a.trialIndex - b.trialIndex || (a.trialKey < b.trialKey ? -1 : 1));
    const completed = ordered.filter((t) => t.status === 'completed');
    const errored = ordered.filter((t) => t.status !== 'completed');
    for (const t of completed) {
      if (t.accuracy === null || t.deltaImprovement === null) {
        throw new Error(`buildRunResults: completed trial ${t.trialKey} (cell ${id}, trial ${t.trialIndex}) has no accuracy or ΔImp`);
      }
    }
    const diagnosticNames = [...new Set(completed.flatMap((t) => Object.keys(t.diagnostics)))].sort();
    const diagnostics: Record<string, MetricSummary> = {};
    for (const name of diagnosticNames) {
      const values = completed.map((t) => t.diagnostics[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length > 0) diagnostics[name] = summarizeMetric(values);
    }
    const first = ordered[0] as TrialRecord;
    cells.push({
      id,
      nas: first.nas,
      attack: first.attack,
      budget: first.budget,
      defence: first.defence,
      n: completed.length,
      errored: errored.length,
      accuracy: summarizeMetric(completed.map((t) => t.accuracy as number)),
      deltaImprovement: summarizeMetric(completed.map((t) => t.deltaImprovement as number)),
      diagnostics,
      trialKeys: [...completed, ...errored].map((t) => t.trialKey),
    });
  }
  return cells.sort(compareCells);
}

/**
 * Builds the results JSON of a run from its trial rows (completed and errored).
 *
 * Every cell except the undefended clean controls is tested against its control (see `controlOf`) on
 * each metric of `options.metrics` with a one-sided Welch test; a diagnostic missing from both arms
 * is skipped. All computed p-values of the run form one BH family; comparisons with fewer than two
 * trials in an arm are reported as `insufficient-data` and stay out of the family.
 *
 * @throws Error when a poisoned cell has no clean control, when trials disagree on tier, code
 *   version or environment and none was given, or when the result fails validation.
 */
export function buildRunResults(trials: readonly TrialRecord[], options: BuildOptions): RunResults {
  if (trials.length === 0) throw new Error('buildRunResults: no trials');
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const power = options.power ?? DEFAULT_POWER;
  const metrics = options.metrics ?? DEFAULT_METRICS;
  const cells = buildCells(trials);

  const planned: { id: string; cell: CellResult; control: CellResult; spec: MetricSpec; comparison: Comparison }[] = [];
  for (const cell of cells) {
    if (cell.attack === CLEAN_ATTACK && cell.defence === 'none') continue;
    const control = controlOf(cell, cells);
    if (!control) {
      throw new Error(`buildRunResults: cell ${cell.id} has no clean control (${cell.nas}/${CLEAN_ATTACK}/0/none); run the control arm too`);
    }
    for (const spec of metrics) {
      const a = metricValues(cell, spec.metric) ?? [];
      const b = metricValues(control, spec.metric) ?? [];
      if (a.length === 0 && b.length === 0 && spec.metric !== 'accuracy' && spec.metric !== 'deltaImprovement') continue;
      planned.push({ id: `${cell.id}:${spec.metric}`, cell, control, spec, comparison: welchOneSided(a, b, spec.alternative, { alpha, power }) });
    }
  }
  const tests = planned.map((p) => ({
    key: hypothesisKey(p.cell.id, p.spec.metric, p.spec.alternative),
    p: p.comparison.state === 'computed' ? p.comparison.p : undefined,
  }));
  const q = qValuesByHypothesis(tests);
  const comparisons: ComparisonResult[] = planned.map((p, i) => {
    const c = p.comparison;
    const comparison = toResultsComparison(c.state === 'computed' ? { ...c, q: q[i]! } : c);
    return {
      id: p.id,
      cell: p.cell.id,
      control: p.control.id,
      metric: p.spec.metric,
      alternative: p.spec.alternative,
      comparison,
      verdict: verdictOf(comparison, alpha),
      interpretation: interpretComparison(p.spec.metric, comparison, alpha),
    };
  });

  const hypotheses = familySize(tests);
  const excluded = comparisons.filter((c) => c.comparison.state !== 'computed').length;
  const family =
    options.run.family ??
    `all ${hypotheses} distinct hypotheses tested in this run (ΔImp and accuracy against the same control are one hypothesis: ΔImp is accuracy minus a constant)` +
      (excluded > 0 ? `; the ${excluded} comparisons with insufficient data have no p-value and are not counted` : '');
  const tier = options.run.tier ?? uniform(trials.map((t) => t.tier), 'the tier', 'pass run.tier to label the run');
  const codeVersion = options.run.codeVersion ?? uniform(trials.map((t) => t.codeVersion), 'the code version', 'pass run.codeVersion to label the run');
  const environment: EnvironmentFingerprint =
    options.run.environment ?? uniform(trials.map((t) => t.environment), 'the environment', 'pass run.environment to label the run');

  const run: RunInfo = {
    id: options.run.id,
    ...(options.run.title !== undefined ? { title: options.run.title } : {}),
    tier,
    createdAt: options.run.createdAt,
    ...(options.run.command !== undefined ? { command: options.run.command } : {}),
    codeVersion,
    environment,
    dataset: options.run.dataset,
    alpha,
    power,
    correction: 'benjamini-hochberg',
    family,
  };
  const results: RunResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    protocolVersion: options.protocolVersion,
    run,
    randomBaseline: options.randomBaseline,
    cells,
    comparisons,
    ...(options.assertions !== undefined ? { assertions: options.assertions } : {}),
  };
  return validateResults(JSON.parse(JSON.stringify(results)) as unknown, `results of run ${options.run.id}`);
}
