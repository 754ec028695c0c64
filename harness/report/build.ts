/**
 * From stored trial rows to the results JSON: group trials into cells, summarise every metric, test
 * each poisoned cell against its control on every metric (harness/verdicts' `hypothesisTests`: the
 * effect test in the metric's harm direction and, when a margin δ is declared, the margin test),
 * correct the run's effect tests and margin tests as two Benjamini–Hochberg families
 * (`correctFamily`), and attach `decide`'s verdicts and interpretations.
 *
 * @module
 */

import { DEFAULT_ALPHA, DEFAULT_POWER } from '../stats/index.js';
import { CORE_METRICS, correctFamily, decide, familySize, harmDirection, hypothesisKey, hypothesisMetric, hypothesisTests, sequentialTests, type HypothesisTests } from '../verdicts/index.js';
import type { EnvironmentFingerprint, TrialRecord } from '../store/types.js';
import { CLEAN_ATTACK, cellId, compareCells, controlOf, metricValues } from './cells.js';
import { toResultsComparison } from './decision.js';
import { attackDiagnosticsSection, defenceSection, oracleCells } from './defences.js';
import { interpretComparison } from './interpret.js';
import { validateResults } from './schema.js';
import { RESULTS_SCHEMA_VERSION } from './types.js';
import type {
  AssertionRecord,
  CalibrationInfo,
  CellResult,
  ComparisonResult,
  MethodInfo,
  MetricSummary,
  RandomBaselineSummary,
  RunInfo,
  RunResults,
  SequentialArmResult,
  SensitivityTable,
} from './types.js';

export { toResultsComparison } from './decision.js';

/** Default metrics: accuracy and ΔImp (one hypothesis; both tested in their harm direction). */
export const DEFAULT_METRICS: readonly string[] = CORE_METRICS;

/** Margins and planning sds per metric (ΔImp and accuracy, one hypothesis, may name either). */
export interface MetricSettings {
  /** δ per metric, in the metric's unit; a metric without one has no margin test. */
  readonly margins?: Readonly<Record<string, number>>;
  /** sd per metric for the trials-needed figures (the tier's calibration); else the arms' own sds. */
  readonly planningSd?: Readonly<Record<string, number>>;
}

/** What {@link buildRunResults} needs besides the trials. */
export interface BuildOptions extends MetricSettings {
  /** Version of the benchmark protocol the run followed. */
  readonly protocolVersion: string;
  /**
   * Run description. `tier`, `codeVersion` and `environment` default to the trials' own values and
   * must then agree across trials; `family` defaults to a description of the BH families.
   */
  readonly run: Pick<RunInfo, 'id' | 'createdAt' | 'dataset'> &
    Partial<Pick<RunInfo, 'title' | 'command' | 'exitCode' | 'tier' | 'codeVersion' | 'environment' | 'family' | 'strict'>>;
  /** The random baseline ΔImp was measured against; required with trials, absent for a run of sensitivity tables alone. */
  readonly randomBaseline?: RandomBaselineSummary;
  /** FDR level α (default 0.05). */
  readonly alpha?: number;
  /** Power for the MDEs and trials needed (default 0.8). */
  readonly power?: number;
  /** Metrics to test (default {@link DEFAULT_METRICS}); each in its harm direction (`harmDirection`). */
  readonly metrics?: readonly string[];
  /**
   * Per tested cell id: margins and planning sds that replace the run-wide ones for that cell's
   * comparisons (matrices of one run that declare different δ; see `from-store.ts`).
   */
  readonly cellSettings?: Readonly<Record<string, MetricSettings>>;
  /** Spec-file assertions to include (as the spec layer recorded them). */
  readonly assertions?: readonly AssertionRecord[];
  /** Per NAS method: description and the tier's deviations from the published settings. */
  readonly methods?: readonly MethodInfo[];
  /** The tier's calibration; null when none is stored (the report says how to make one). */
  readonly calibration?: CalibrationInfo | null;
  /**
   * Per poisoned arm that ran sequentially (`trials: { min, max }`), its stored record and the id of
   * its cell: that cell's accuracy and ΔImp tests use the record's stagewise-adjusted p-values
   * (`adjustedHarmP`, `adjustedMarginP`) instead of the fixed-n Welch p, before BH — as the spec
   * file's verdicts do. The records are stored in the results (`RunResults.sequential`).
   */
  readonly sequential?: readonly SequentialArmResult[];
  /** Metric-sensitivity tables the run recorded (a run may consist of these alone: then no trials are needed). */
  readonly sensitivity?: readonly SensitivityTable[];
}

/**
 * The sequential records by cell id, checked against the cells: each names a poisoned cell of the
 * run, once, with its attack and budget.
 */
function sequentialByCell(records: readonly SequentialArmResult[], cells: readonly CellResult[]): Map<string, SequentialArmResult> {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const out = new Map<string, SequentialArmResult>();
  for (const record of records) {
    const cell = byId.get(record.cell);
    if (!cell) throw new Error(`buildRunResults: the sequential record of arm ${record.arm} names cell ${record.cell}, which has no trials in this run`);
    if (cell.attack === CLEAN_ATTACK) throw new Error(`buildRunResults: the sequential record of arm ${record.arm} names the clean control ${record.cell}; only poisoned arms are monitored`);
    if (record.arm !== `${cell.attack}@${cell.budget}` || record.budget !== cell.budget) {
      throw new Error(`buildRunResults: the sequential record of arm ${record.arm} (budget ${record.budget}) does not match its cell ${record.cell} (${cell.attack}@${cell.budget})`);
    }
    if (out.has(record.cell)) throw new Error(`buildRunResults: cell ${record.cell} has two sequential records; one arm stops once`);
    out.set(record.cell, record);
  }
  return out;
}

/**
 * The value of a per-metric setting for `metric`: its own entry or that of its hypothesis metric
 * (ΔImp and accuracy are one hypothesis in the same unit, so either may declare it); they must agree.
 */
export function settingFor(table: Readonly<Record<string, number>> | undefined, metric: string, what: string): number | null {
  if (table === undefined) return null;
  const hypothesis = hypothesisMetric(metric);
  const values = Object.entries(table).filter(([name]) => name === metric || hypothesisMetric(name) === hypothesis);
  const distinct = [...new Set(values.map(([, v]) => v))];
  if (distinct.length > 1) {
    throw new Error(`buildRunResults: ${what} of ${values.map(([n, v]) => `${n} (${v})`).join(' and ')} differ, but they are one hypothesis; declare one value`);
  }
  return distinct[0] ?? null;
}

/** Mean, sd (n − 1) and the values; mean `null` without values, sd `null` below two values. */
export function summarizeMetric(values: readonly number[]): MetricSummary {
  const n = values.length;
  if (n === 0) return { mean: null, sd: null, values: [] };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n >= 2 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, sd, values: [...values] };
}

function uniform<T>(values: readonly T[], what: string, hint: string): T {
  if (values.length === 0) throw new Error(`buildRunResults: no trials to take ${what} from; ${hint}`);
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
 * each metric of `options.metrics` in its harm direction; a diagnostic missing from both arms is
 * skipped. The effect tests of the run form one BH family and the margin tests another (ΔImp and
 * accuracy counted once in each); comparisons with fewer than two trials in an arm are
 * `insufficient-data` and stay out of both. A run whose spec files recorded only sensitivity tables
 * has no trials: then `run.tier`, `run.codeVersion` and `run.environment` must be given.
 *
 * @throws Error when a poisoned cell has no clean control, when trials disagree on tier, code
 *   version or environment and none was given, when ΔImp and accuracy are given different margins,
 *   or when the result fails validation.
 */
export function buildRunResults(trials: readonly TrialRecord[], options: BuildOptions): RunResults {
  if (trials.length === 0 && (options.sensitivity ?? []).length === 0) throw new Error('buildRunResults: no trials and no sensitivity tables');
  if (trials.length > 0 && options.randomBaseline === undefined) throw new Error('buildRunResults: trials need the random baseline their ΔImp was measured against');
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const power = options.power ?? DEFAULT_POWER;
  const metrics = options.metrics ?? DEFAULT_METRICS;
  const cells = buildCells(trials);
  const sequential = sequentialByCell(options.sequential ?? [], cells);

  const planned: { id: string; cell: CellResult; control: CellResult; metric: string; key: string; tests: HypothesisTests; planningSd: number | null }[] = [];
  for (const cell of cells) {
    if (cell.attack === CLEAN_ATTACK && cell.defence === 'none') continue;
    const control = controlOf(cell, cells);
    if (!control) {
      throw new Error(`buildRunResults: cell ${cell.id} has no clean control (${cell.nas}/${CLEAN_ATTACK}/0/none); run the control arm too`);
    }
    const settings = options.cellSettings?.[cell.id];
    for (const metric of metrics) {
      const a = metricValues(cell, metric) ?? [];
      const b = metricValues(control, metric) ?? [];
      if (a.length === 0 && b.length === 0 && metric !== 'accuracy' && metric !== 'deltaImprovement') continue;
      const direction = harmDirection(metric);
      const margin = settingFor(settings?.margins ?? options.margins, metric, 'the margins');
      const planningSd = settingFor(settings?.planningSd ?? options.planningSd, metric, 'the planning sds');
      planned.push({
        id: `${cell.id}:${metric}`,
        cell,
        control,
        metric,
        key: hypothesisKey(cell.id, metric, direction),
        tests: sequentialTests(hypothesisTests(a, b, direction, margin, { alpha, power }), metric, sequential.get(cell.id)),
        planningSd,
      });
    }
  }
  const corrected = correctFamily(planned.map((p) => ({ key: p.key, tests: p.tests })));
  const comparisons: ComparisonResult[] = planned.map((p, i) => {
    const tests = corrected[i]!;
    const d = decide(tests, alpha, { power, ...(p.planningSd !== null ? { planningSd: p.planningSd } : {}) });
    const comparison = toResultsComparison(tests.effect);
    const bound = tests.bound ? toResultsComparison(tests.bound) : undefined;
    const body = {
      metric: p.metric,
      comparison,
      margin: tests.margin,
      ...(bound !== undefined ? { bound } : {}),
      verdict: d.verdict,
      withinMargin: d.withinMargin,
      trialsNeeded: d.trialsNeeded,
      planningSd: d.planningSd,
      planningSdSource: d.planningSdSource,
    };
    return { id: p.id, cell: p.cell.id, control: p.control.id, alternative: tests.direction, ...body, interpretation: interpretComparison(body) };
  });

  const effectTests = planned.map((p, i) => ({ key: p.key, p: corrected[i]!.effect.state === 'computed' ? 1 : undefined }));
  const marginTests = planned.map((p, i) => ({ key: p.key, p: corrected[i]!.bound?.state === 'computed' ? 1 : undefined }));
  const hypotheses = familySize(effectTests);
  const bounded = familySize(marginTests);
  const excluded = comparisons.filter((c) => c.comparison.state !== 'computed').length;
  const family =
    options.run.family ??
    `two families: the effect tests of all ${hypotheses} distinct hypotheses tested in this run, and the margin tests of the ${bounded} with a declared margin δ ` +
      '(ΔImp and accuracy against the same control are one hypothesis: ΔImp is accuracy minus a constant)' +
      (excluded > 0 ? `; the ${excluded} comparisons with insufficient data have no p-value and are not counted` : '') +
      (sequential.size > 0
        ? `; the accuracy / ΔImp tests of the ${sequential.size} ${sequential.size === 1 ? 'arm' : 'arms'} that ran sequentially enter with their stagewise-adjusted p-values`
        : '');
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
    ...(options.run.exitCode !== undefined ? { exitCode: options.run.exitCode } : {}),
    codeVersion,
    environment,
    dataset: options.run.dataset,
    alpha,
    power,
    correction: 'benjamini-hochberg',
    family,
    ...(options.run.strict !== undefined ? { strict: options.run.strict } : {}),
  };
  const results: RunResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    protocolVersion: options.protocolVersion,
    run,
    ...(options.randomBaseline !== undefined ? { randomBaseline: options.randomBaseline } : {}),
    cells,
    comparisons,
    ...(options.assertions !== undefined ? { assertions: options.assertions } : {}),
    ...(options.methods !== undefined ? { methods: options.methods } : {}),
    ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
    ...(sequential.size > 0 ? { sequential: cells.flatMap((c) => (sequential.has(c.id) ? [sequential.get(c.id)!] : [])) } : {}),
    ...(options.sensitivity !== undefined && options.sensitivity.length > 0 ? { sensitivity: options.sensitivity } : {}),
    defences: defenceSection(cells, oracleCells(trials), alpha, power),
    attackDiagnostics: attackDiagnosticsSection(cells),
  };
  return validateResults(JSON.parse(JSON.stringify(results)) as unknown, `results of run ${options.run.id}`);
}
