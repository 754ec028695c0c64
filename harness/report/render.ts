/**
 * Rendering the results JSON into a robustness report: `report.md`, a self-contained `index.html`
 * (inline CSS and inline SVG charts, no external resources) and the validated `results.json`.
 * Templates are handlebars files in `templates/`; every value is escaped (handlebars' HTML escaping
 * in the HTML, the `md` helper in Markdown); only the chart SVGs, built and escaped by `charts.ts`,
 * are inserted raw.
 *
 * @module
 */

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { trialsNeeded as trialsNeededFor } from '../stats/index.js';
import { MAX_TRIALS_NEEDED, hypothesisMetric } from '../verdicts/index.js';
import { CLEAN_ATTACK, NO_DEFENCE, cellLabel, sortCells } from './cells.js';
import { accuracyChart, deltaImprovementCharts } from './charts.js';
import {
  formatAdaptive,
  formatBudget,
  formatChange,
  formatCi,
  formatCount,
  formatDiagnostic,
  formatMagnitude,
  formatMargin,
  formatMeanSd,
  formatNumber,
  formatP,
  formatPower,
  formatPp,
  metricLabel,
  verdictLabel,
} from './interpret.js';
import { leaderboardView } from './leaderboard.js';
import type { Leaderboard, LeaderboardView } from './leaderboard.js';
import { validateResults } from './schema.js';
import { POISON_PREFIX } from './defences.js';
import type {
  AssertionRecord,
  AssertionStatus,
  AttackDiagnosticsTable,
  CalibrationInfo,
  CellResult,
  ComparisonResult,
  DatasetInfo,
  DefenceRow,
  MatcherVerdict,
  RangeSummary,
  RenderedReport,
  RunResults,
  SensitivityMetricResult,
  SensitivityTable,
  SequentialArmResult,
  Verdict,
} from './types.js';

/** File names `renderReport` writes into its output folder. */
export const REPORT_FILES = { markdown: 'report.md', html: 'index.html', json: 'results.json' } as const;

/** Metric whose verdict headlines each cell (ΔImp: the study's headline metric). */
export const HEADLINE_METRIC = 'deltaImprovement';

const TEMPLATE_DIR = new URL('./templates/', import.meta.url);

/** Escapes text for Markdown (tables included): HTML-significant characters and Markdown syntax. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function createEnvironment(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('md', (value: unknown) => new hbs.SafeString(escapeMarkdown(value === null || value === undefined ? '' : String(value))));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('plural', (count: number, singular: string, plural?: unknown) =>
    count === 1 ? singular : typeof plural === 'string' ? plural : `${singular}s`,
  );
  hbs.registerHelper('pvalue', (p: unknown) => (typeof p === 'number' ? formatP(p) : '—'));
  hbs.registerHelper('percent', (b: unknown) => (typeof b === 'number' ? formatBudget(b) : '—'));
  return hbs;
}

function readTemplate(name: string): string {
  return readFileSync(new URL(name, TEMPLATE_DIR), 'utf8');
}

const hbs = createEnvironment();
hbs.registerPartial('styles', readTemplate('styles.css'));
hbs.registerPartial('leaderboardSection', readTemplate('leaderboard-section.html.hbs'));

function compile<V>(name: string): Handlebars.TemplateDelegate<V> {
  return hbs.compile<V>(readTemplate(name), { strict: true });
}

const templates = {
  html: compile<ReportView>('report.html.hbs'),
  markdown: compile<ReportView>('report.md.hbs'),
  leaderboardMarkdown: compile<LeaderboardView>('leaderboard.md.hbs'),
  leaderboardSection: compile<LeaderboardView>('leaderboard-section.html.hbs'),
  leaderboardPage: compile<LeaderboardView>('leaderboard.html.hbs'),
};

/** One row of the per-cell table. */
export interface CellRow {
  readonly id: string;
  readonly label: string;
  readonly nas: string;
  readonly attack: string;
  readonly budget: string;
  readonly defence: string;
  readonly isControl: boolean;
  readonly n: number;
  readonly errored: number;
  readonly accuracy: string;
  readonly deltaImprovement: string;
  /** Change of ΔImp against the control (pp), or `—`. */
  readonly change: string;
  readonly p: string;
  readonly q: string;
  readonly verdict: Verdict | 'control';
  readonly verdictText: string;
  readonly interpretation: string;
}

/** One row of the comparisons table. */
export interface ComparisonRow {
  readonly id: string;
  readonly cell: string;
  readonly control: string;
  readonly metric: string;
  readonly hypothesis: string;
  readonly armA: string;
  readonly armB: string;
  readonly n: string;
  readonly change: string;
  readonly ci: string;
  readonly g: string;
  readonly p: string;
  readonly q: string;
  readonly mde: string;
  /** δ, or `—` without a margin. */
  readonly margin: string;
  /** q of the margin test, or `—`. */
  readonly marginQ: string;
  /** Trials per arm that would decide it (inconclusive only), or `—`. */
  readonly trialsNeeded: string;
  readonly verdict: Verdict;
  readonly verdictText: string;
  readonly interpretation: string;
}

/** One row of the assertions table. */
export interface AssertionRow {
  readonly file: string;
  readonly name: string;
  readonly status: AssertionStatus;
  readonly statusText: string;
  /** The matcher verdicts, e.g. `inconclusive (ΔImp)`; `—` without any. */
  readonly verdict: string;
  /** For underpowered rows: the MDE and the trials per arm that would decide it; else `—`. */
  readonly underpowered: string;
  readonly message: string;
}

/** One look of a sequential arm, as the look table shows it. */
export interface SequentialLookRow {
  /** 1-based look number. */
  readonly look: number;
  /** Completed trials `A / B` at this look. */
  readonly n: string;
  readonly harmP: string;
  /** The harm test's nominal level at this look (its boundary as a p-value). */
  readonly harmLevel: string;
  readonly marginP: string;
  readonly marginLevel: string;
  /** Which boundary this look crossed: `harm`, `margin`, `both` or `—`. */
  readonly crossed: string;
}

/** One poisoned arm that ran sequentially. */
export interface SequentialArmView {
  readonly cell: string;
  readonly label: string;
  /** Shape, looks planned, α and δ in one line. */
  readonly design: string;
  readonly looks: readonly SequentialLookRow[];
  /** Where it stopped and why. */
  readonly stop: string;
  /** The stagewise-adjusted p-values, e.g. `harm p = 0.012, margin p = 0.41`. */
  readonly adjusted: string;
  /** Its accuracy / ΔImp verdict after BH over the run, with the q-values; null without a comparison. */
  readonly outcome: string | null;
  readonly verdict: Verdict | null;
  readonly verdictText: string | null;
}

/** Everything the templates read (all strings pre-formatted, absent values as `null`). */
export interface ReportView {
  readonly title: string;
  readonly run: {
    readonly id: string;
    readonly tier: string;
    readonly createdAt: string;
    readonly command: string | null;
    /** The run's exit code, null when it has none. */
    readonly exitCode: number | null;
    /** What the exit code meant (`exit code 0: no decided assertion failed`), null without one. */
    readonly outcome: string | null;
    readonly codeVersion: string;
    readonly protocolVersion: string;
    readonly schemaVersion: number;
  };
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  readonly dataset: DatasetInfo;
  /** Whether the run has cells (NAS trials); false for a run of sensitivity tables alone. */
  readonly hasCells: boolean;
  /** The random baseline; null when the run trained none (sensitivity tables only). */
  readonly baseline: { readonly samples: number; readonly meanSd: string; readonly recipe: string; readonly space: string | null } | null;
  readonly statistics: {
    readonly alpha: string;
    readonly confidence: string;
    readonly power: string;
    readonly correction: string;
    readonly family: string;
    /** The declared margins, e.g. `accuracy / ΔImp: 1 pp`; `none declared` without any. */
    readonly margins: string;
  };
  readonly summary: {
    readonly total: number;
    readonly harmShown: number;
    readonly noHarm: number;
    readonly inconclusive: number;
    readonly insufficient: number;
    readonly poisonedCells: number;
    readonly headlineMetric: string;
    /** One sentence with the headline verdict counts over the tested cells. */
    readonly headline: string;
    readonly headlines: readonly { readonly label: string; readonly verdict: Verdict; readonly verdictText: string; readonly text: string }[];
    /** `2 passed, 1 failed, 1 underpowered at this tier, 0 skipped`, or null without assertions. */
    readonly assertionsLine: string | null;
    readonly assertionsPassed: number;
    readonly assertionsFailed: number;
    readonly assertionsErrored: number;
    readonly assertionsUnderpowered: number;
    readonly assertionsSkipped: number;
    /** Said when the run was strict. */
    readonly strictNote: string | null;
  };
  readonly cells: readonly CellRow[];
  readonly comparisons: readonly ComparisonRow[];
  /** Comparisons grouped by tested cell, in report order. */
  readonly comparisonGroups: readonly { readonly cell: string; readonly control: string; readonly rows: readonly ComparisonRow[] }[];
  readonly assertions: readonly AssertionRow[] | null;
  readonly methods: readonly { readonly nas: string; readonly description: string; readonly deviations: readonly string[] }[] | null;
  readonly calibration: {
    readonly present: boolean;
    /** Facts as name/value pairs (empty when absent). */
    readonly facts: readonly { readonly name: string; readonly value: string }[];
    /** What the calibration means for the trials, or how to make one. */
    readonly sentences: readonly string[];
  };
  readonly charts: { readonly delta: readonly { readonly title: string; readonly svg: Handlebars.SafeString }[]; readonly accuracy: Handlebars.SafeString };
  /** The arms that ran sequentially; null when none did. */
  readonly sequential: {
    /** What the stops and adjusted p-values mean for the verdicts. */
    readonly note: string;
    readonly arms: readonly SequentialArmView[];
  } | null;
  /** Defended cells against their undefended twins; null when the run has none. */
  readonly defences: {
    /** How the table was computed and how to read it. */
    readonly note: string;
    /** Level of the recovery CIs, e.g. `95%`. */
    readonly confidence: string;
    readonly rows: readonly DefenceRowView[];
  } | null;
  /** The poisons' own diagnostics per attack; null when none were stored. */
  readonly attackDiagnostics: { readonly note: string; readonly tables: readonly AttackDiagnosticsView[] } | null;
  /** The metric-sensitivity tables (the study's Table 2); null when the run recorded none. */
  readonly sensitivity: {
    /** How the tables were computed and how to read them. */
    readonly note: string;
    readonly tables: readonly SensitivityTableView[];
  } | null;
}

/** One row of the defences table, formatted. */
export interface DefenceRowView {
  readonly cell: string;
  readonly nas: string;
  readonly attack: string;
  readonly budget: string;
  readonly defence: string;
  /** `upper bound (reads the poison)` for an oracle defence, else null. */
  readonly oracle: string | null;
  readonly n: number;
  /** Mean with its range over the trials, e.g. `0.82 (0.75–0.90)`; `—` when undefined. */
  readonly precision: string;
  readonly recall: string;
  readonly removed: string;
  /** Mean ΔImp of the clean control, the undefended and the defended arm, pp. */
  readonly clean: string;
  readonly undefended: string;
  readonly defended: string;
  /** Recovered ΔImp (defended − undefended), e.g. `+1.2 pp`. */
  readonly recovered: string;
  readonly ci: string;
  readonly p: string;
  readonly q: string;
  /** Share of the gap closed, e.g. `35 %`; `—` when the gap is not positive. */
  readonly share: string;
  /** The recovery test rejected (q ≤ α). */
  readonly significant: boolean;
  readonly interpretation: string;
}

/** One attack's diagnostics table, formatted. */
export interface AttackDiagnosticsView {
  readonly attack: string;
  readonly note: string | null;
  /** Column headings: a key without its prefix, or a `before → after` pair as one column. */
  readonly columns: readonly string[];
  readonly rows: readonly { readonly cell: string; readonly nas: string; readonly budget: string; readonly n: number; readonly values: readonly string[] }[];
}

/** One metric's row of a sensitivity table, formatted. */
export interface SensitivityRow {
  readonly metric: string;
  /** `yes` / `no`. */
  readonly usesLabels: string;
  /** `8` or `7 of 8` (cells whose change is defined, of the panel). */
  readonly cells: string;
  /** Mean relative change in percent, e.g. `+1.2 %`; `—` without any. */
  readonly mean: string;
  /** Its CI in percent, e.g. `[−0.4 %, +2.8 %]`; `—` below two cells; `exactly 0` when every cell was bit-identical. */
  readonly ci: string;
  readonly maxAbsChange: string;
  /** `8 of 8`. */
  readonly bitIdentical: string;
  /** Every cell bit-identical. */
  readonly unchanged: boolean;
  /** Why the metric could not be computed; null when it was. */
  readonly error: string | null;
}

/** One sensitivity table, formatted. */
export interface SensitivityTableView {
  readonly title: string;
  readonly file: string;
  /** The panel, the networks, the batches and the poison in one line. */
  readonly setup: string;
  readonly confidence: string;
  readonly rows: readonly SensitivityRow[];
  /** `fisher: <why>` for each metric that could not be computed. */
  readonly errors: readonly string[];
  /** The panel's genotypes. */
  readonly cells: readonly string[];
}

/** Marker appended to a p-value that is a sequential arm's stagewise-adjusted one. */
export const SEQUENTIAL_MARK = '†';

/** Whether the stored p of a comparison's effect test (or margin test) is a stagewise-adjusted one. */
function sequentialP(results: RunResults, c: ComparisonResult | undefined, test: 'effect' | 'bound'): boolean {
  if (!c || hypothesisMetric(c.metric) !== 'accuracy') return false;
  const record = results.sequential?.find((r) => r.cell === c.cell);
  if (!record) return false;
  const stored = test === 'effect' ? c.comparison : c.bound;
  return stored?.state === 'computed' && (test === 'effect' ? record.adjustedHarmP : record.adjustedMarginP) !== null;
}

const SHAPE_LABEL: Record<SequentialArmResult['design']['shape'], string> = { 'obrien-fleming': "O'Brien–Fleming", pocock: 'Pocock' };

function plannedLooksText(looks: readonly number[]): string {
  return looks.length <= 6 ? looks.join(', ') : `${looks.slice(0, 3).join(', ')}, …, ${looks[looks.length - 1]!}`;
}

function sequentialArmView(results: RunResults, record: SequentialArmResult, labels: Map<string, string>): SequentialArmView {
  const d = record.design;
  const planned = d.looks.length;
  const design =
    `${SHAPE_LABEL[d.shape]} α-spending (Lan–DeMets), ${planned} ${planned === 1 ? 'look' : 'looks'} planned at n = ${plannedLooksText(d.looks)} per arm ` +
    `(min ${d.min}, max ${d.max}, step ${d.step}); α = ${d.alpha}; δ = ${d.margin === null ? 'none (harm test only)' : formatMargin(d.margin, 'accuracy')}; monitored: accuracy (ΔImp with it)`;
  const looks = record.looks.map((l, k): SequentialLookRow => {
    const harm = l.harmP <= l.harmLevel;
    const margin = l.marginP !== null && l.marginLevel !== null && l.marginP <= l.marginLevel;
    return {
      look: k + 1,
      n: `${l.nA} / ${l.nB}`,
      harmP: formatP(l.harmP),
      harmLevel: formatP(l.harmLevel),
      marginP: formatP(l.marginP),
      marginLevel: formatP(l.marginLevel),
      crossed: harm && margin ? 'both' : harm ? 'harm' : margin ? 'margin' : '—',
    };
  });
  const taken = record.looks.length;
  const last = record.looks.at(-1);
  const counts = last ? ` (${last.nA} poisoned / ${last.nB} control trials completed)` : '';
  const stop = `Stopped after look ${taken} of ${planned} planned${counts}: ${record.reason}.`;
  const adjusted = `harm p = ${formatP(record.adjustedHarmP)}, margin p = ${formatP(record.adjustedMarginP)}`;
  const mine = results.comparisons.filter((c) => c.cell === record.cell && hypothesisMetric(c.metric) === 'accuracy');
  const c = mine.find((x) => x.metric === 'accuracy') ?? mine[0];
  let outcome: string | null = null;
  if (c) {
    const qs = [
      c.comparison.state === 'computed' ? `effect test q = ${formatP(c.comparison.q)}` : 'effect test: insufficient data',
      ...(c.bound ? [c.bound.state === 'computed' ? `margin test q = ${formatP(c.bound.q)}` : 'margin test: insufficient data'] : []),
    ];
    const crossed = record.reason === 'harm boundary crossed' || record.reason === 'margin boundary crossed' || record.reason === 'both boundaries crossed';
    outcome =
      `After Benjamini–Hochberg over the run (α = ${results.run.alpha}): ${qs.join(', ')} → ${labelOf(c)}.` +
      (crossed && (c.verdict === 'inconclusive' || c.verdict === 'insufficient-data') ? ' It stopped on its boundary yet ends inconclusive after the family correction.' : '');
  }
  return {
    cell: record.cell,
    label: labels.get(record.cell) ?? record.cell,
    design,
    looks,
    stop,
    adjusted,
    outcome,
    verdict: c ? c.verdict : null,
    verdictText: c ? labelOf(c) : null,
  };
}

function sequentialView(results: RunResults, labels: Map<string, string>): ReportView['sequential'] {
  const records = results.sequential ?? [];
  if (records.length === 0) return null;
  return {
    note:
      'Each of these poisoned arms ran in looks and stopped as soon as its harm test or its margin test crossed its Lan–DeMets α-spending boundary, or at its maximum. ' +
      `Its accuracy / ΔImp verdict rests on the stagewise-adjusted p-values of the stopped tests (marked ${SEQUENTIAL_MARK} in the tables above), not on a Welch test at the n it happened to stop at; ` +
      'they enter the Benjamini–Hochberg families like fixed-design p-values, so an arm can stop on its boundary and still end inconclusive after the family correction.',
    arms: records.map((r) => sequentialArmView(results, r, labels)),
  };
}

function headlineOf(results: RunResults, cell: CellResult): ComparisonResult | undefined {
  const mine = results.comparisons.filter((c) => c.cell === cell.id);
  return mine.find((c) => c.metric === HEADLINE_METRIC) ?? mine[0];
}

function pOf(c: ComparisonResult | undefined, key: 'p' | 'q'): string {
  return c && c.comparison.state === 'computed' ? formatP(c.comparison[key]) : '—';
}

function labelOf(c: ComparisonResult): string {
  return verdictLabel(c.verdict, c.margin, c.metric);
}

function cellRow(results: RunResults, cell: CellResult): CellRow {
  const isControl = cell.attack === CLEAN_ATTACK && cell.defence === NO_DEFENCE;
  const headline = isControl ? undefined : headlineOf(results, cell);
  const computed = headline?.comparison.state === 'computed' ? headline.comparison : undefined;
  return {
    id: cell.id,
    label: cellLabel(cell),
    nas: cell.nas,
    attack: cell.attack,
    budget: formatBudget(cell.budget),
    defence: cell.defence,
    isControl,
    n: cell.n,
    errored: cell.errored,
    accuracy: formatMeanSd(cell.accuracy, 2),
    deltaImprovement: formatMeanSd(cell.deltaImprovement, 2),
    change: computed ? formatChange(computed.diff, headline?.metric ?? HEADLINE_METRIC) : '—',
    p: pOf(headline, 'p') + (sequentialP(results, headline, 'effect') ? ` ${SEQUENTIAL_MARK}` : ''),
    q: pOf(headline, 'q'),
    verdict: headline ? headline.verdict : 'control',
    verdictText: headline ? labelOf(headline) : 'control',
    interpretation: headline ? headline.interpretation : 'Reference arm: the same NAS searching on clean data.',
  };
}

function trialsNeededText(n: number | null): string {
  return n === null ? `> ${formatCount(MAX_TRIALS_NEEDED)}` : formatCount(n);
}

function comparisonRow(results: RunResults, comparison: ComparisonResult, labels: Map<string, string>): ComparisonRow {
  const c = comparison.comparison;
  const metric = comparison.metric;
  const hypothesis = `${metricLabel(metric)} ${comparison.alternative === 'less' ? 'lower' : 'higher'}`;
  const base = {
    id: comparison.id,
    cell: labels.get(comparison.cell) ?? comparison.cell,
    control: labels.get(comparison.control) ?? comparison.control,
    metric: metricLabel(metric),
    hypothesis,
    margin: comparison.margin === null ? '—' : formatMargin(comparison.margin, metric),
    marginQ: comparison.bound?.state === 'computed' ? formatP(comparison.bound.q) + (sequentialP(results, comparison, 'bound') ? ` ${SEQUENTIAL_MARK}` : '') : '—',
    trialsNeeded: comparison.verdict === 'inconclusive' && (comparison.margin !== null || comparison.trialsNeeded !== null) ? trialsNeededText(comparison.trialsNeeded) : '—',
    verdict: comparison.verdict,
    verdictText: labelOf(comparison),
    interpretation: comparison.interpretation,
  };
  if (c.state === 'insufficient-data') {
    return { ...base, armA: '—', armB: '—', n: `${c.nA} / ${c.nB}`, change: '—', ci: '—', g: '—', p: '—', q: '—', mde: '—' };
  }
  const digits = 2;
  return {
    ...base,
    armA: `${formatNumber(c.meanA, digits)} ± ${formatNumber(c.sdA, digits)}`,
    armB: `${formatNumber(c.meanB, digits)} ± ${formatNumber(c.sdB, digits)}`,
    n: `${c.nA} / ${c.nB}`,
    change: formatChange(c.diff, metric),
    ci: formatCi(c.ciLow, c.ciHigh, metric),
    g: typeof c.hedgesG === 'number' ? formatAdaptive(c.hedgesG) : c.hedgesG === 'Infinity' ? '∞' : '−∞',
    p: formatP(c.p) + (sequentialP(results, comparison, 'effect') ? ` ${SEQUENTIAL_MARK}` : ''),
    q: formatP(c.q),
    mde: formatMagnitude(c.mde, metric),
  };
}

/** What a run's exit code meant, for the report's first lines; null when the run has none (not finished). */
function runOutcome(exitCode: number | undefined): string | null {
  if (exitCode === undefined) return null;
  if (exitCode === 0) return 'exit code 0: no decided assertion failed';
  if (exitCode === 1) return 'exit code 1: an assertion failed or errored, or the run failed';
  return `exit code ${exitCode}`;
}

const STATUS_TEXT: Record<AssertionStatus, string> = {
  passed: 'passed',
  failed: 'failed',
  errored: 'errored',
  underpowered: 'underpowered at this tier',
  skipped: 'skipped',
};

/** The matcher of metric-sensitivity tables (harness/spec/sensitivity.ts): its n is panel cells, its margin a ±band of relative change. */
const BAND_MATCHER = 'toChangeByLessThan';

function matcherVerdictText(v: MatcherVerdict): string {
  if (v.matcher === BAND_MATCHER) {
    // The band matcher maps its outcomes onto the shared verdicts; say them in its own terms.
    const band = `±${formatAdaptive((v.margin ?? 0) * 100)} %`;
    const words: Record<Verdict, string> = {
      'no-harm-beyond-margin': `CI inside ${band}`,
      'harm-shown': `CI outside ${band}`,
      inconclusive: `CI straddles ${band}`,
      'insufficient-data': 'insufficient data',
    };
    return `${words[v.verdict]} (${metricLabel(v.metric)})`;
  }
  return `${verdictLabel(v.verdict, v.margin, v.metric)} (${metricLabel(v.metric)})`;
}

/** Why an undecided verdict is undecided: its MDE and the trials (or panel cells) that would decide it. */
export function underpoweredText(v: MatcherVerdict): string {
  if (v.matcher === BAND_MATCHER) {
    const band = `±${formatAdaptive((v.margin ?? 0) * 100)} %`;
    const needed = v.trialsNeeded !== null ? `about ${formatCount(v.trialsNeeded)} panel cells would decide it if the mean and sd held` : 'no panel size decides it at this mean';
    return `${metricLabel(v.metric)}: the CI of the mean relative change over ${v.nA} cells straddles ${band}; ${needed}`;
  }
  const mde = v.mde === null ? 'MDE —' : `only a shift ≥ ${formatMagnitude(v.mde, v.metric)} detectable at n = ${v.nA === v.nB ? v.nA : `${v.nA}/${v.nB}`}`;
  const needed =
    v.trialsNeeded !== null
      ? `about ${formatCount(v.trialsNeeded)} trials per arm would decide it${v.margin !== null ? ` at δ = ${formatMargin(v.margin, v.metric)}` : ''}`
      : v.margin !== null
        ? `more than ${formatCount(MAX_TRIALS_NEEDED)} trials per arm would be needed at δ = ${formatMargin(v.margin, v.metric)}`
        : 'no trial count decides it without a margin';
  return `${metricLabel(v.metric)}: ${mde}; ${needed}`;
}

function assertionRow(a: AssertionRecord): AssertionRow {
  const undecided = a.verdicts.filter((v) => !v.decided);
  return {
    file: a.file,
    name: a.name,
    status: a.status,
    statusText: STATUS_TEXT[a.status],
    verdict: a.verdicts.length === 0 ? '—' : a.verdicts.map(matcherVerdictText).join('; '),
    underpowered: a.status === 'underpowered' ? (undecided.length > 0 ? undecided : a.verdicts).map(underpoweredText).join('; ') || 'no matcher verdict recorded' : '—',
    message: a.message,
  };
}

/**
 * `accuracy / ΔImp: 1 pp; skipConnections: 1`, or `none declared`, from the comparisons' margins;
 * where matrices declared different ones, each with the NAS methods it applied to:
 * `accuracy / ΔImp: 1 pp (pdarts) or 2 pp (random)`.
 */
function marginsText(results: RunResults): string {
  const nasOf = new Map(results.cells.map((c) => [c.id, c.nas]));
  const byHypothesis = new Map<string, { labels: Set<string>; values: Map<string, Set<string>> }>();
  for (const c of results.comparisons) {
    const key = hypothesisMetric(c.metric);
    const entry = byHypothesis.get(key) ?? { labels: new Set<string>(), values: new Map<string, Set<string>>() };
    entry.labels.add(metricLabel(c.metric));
    const value = c.margin === null ? 'none' : formatMargin(c.margin, c.metric);
    const methods = entry.values.get(value) ?? new Set<string>();
    methods.add(nasOf.get(c.cell) ?? c.cell);
    entry.values.set(value, methods);
    byHypothesis.set(key, entry);
  }
  const parts = [...byHypothesis.values()].filter((e) => !(e.values.size === 1 && e.values.has('none')));
  if (parts.length === 0) return 'none declared (no margin tests: only harm can be shown)';
  return parts
    .map((e) => {
      const values = [...e.values.entries()];
      const text = values.length === 1 ? values[0]![0] : values.map(([v, nas]) => `${v} (${[...nas].sort().join(', ')})`).join(' or ');
      return `${[...e.labels].join(' / ')}: ${text}`;
    })
    .join('; ');
}

function calibrationView(results: RunResults): ReportView['calibration'] {
  const cal: CalibrationInfo | null = results.calibration ?? null;
  const tier = results.run.tier;
  if (cal === null) {
    return {
      present: false,
      facts: [],
      sentences: [
        `No calibration stored for this tier — run \`naspoison calibrate --tier ${tier}\`.`,
        "Trials-needed figures therefore use the arms' own sds, which are themselves noisy at a few trials per arm.",
      ],
    };
  }
  const facts = [
    { name: 'Tier / recipe', value: `${cal.tier} / ${cal.recipe}` },
    { name: 'Headroom', value: `${formatNumber(cal.headroom, 2)} pp (best reference mean − random mean)` },
    { name: 'Seed noise', value: `sd ${formatNumber(cal.seedNoise.sd, 2)} pp over ${cal.seedNoise.n} seeds of ${cal.seedNoise.cell} (mean ${formatNumber(cal.seedNoise.mean, 2)}%)` },
    { name: 'Random cells', value: `${formatNumber(cal.random.mean, 2)} ± ${formatNumber(cal.random.sd, 2)}% (n = ${cal.random.n})` },
    ...cal.references.map((r) => ({ name: `Reference: ${r.name}`, value: `${formatMeanSd({ mean: r.mean, sd: r.sd, values: Array.from({ length: r.n }, () => r.mean) }, 2)}% (n = ${r.n}), ${r.genotype}` })),
    { name: 'Calibrated', value: cal.createdAt },
  ];
  const margins = [...new Set(results.comparisons.filter((c) => hypothesisMetric(c.metric) === 'accuracy' && c.margin !== null).map((c) => c.margin as number))].sort((a, b) => a - b);
  const alpha = results.run.alpha;
  const power = results.run.power;
  const ran = Math.max(0, ...results.cells.map((c) => c.n));
  const sentences = margins.map((delta) => {
    const need = cal.seedNoise.sd === 0 ? null : trialsNeededFor(delta, cal.seedNoise.sd, alpha, power, { max: MAX_TRIALS_NEEDED }).n;
    const trials = cal.seedNoise.sd === 0 ? 'the minimum of 2 trials per arm' : need === null ? `more than ${formatCount(MAX_TRIALS_NEEDED)} trials per arm` : `about ${formatCount(need)} trials per arm`;
    return `A drop of δ = ${formatMargin(delta, 'accuracy')} needs ${trials} at the calibrated seed noise (sd ${formatNumber(cal.seedNoise.sd, 2)} pp, α = ${alpha}, ${formatPower(power)} power); this run had up to ${ran} per arm.`;
  });
  if (margins.length === 0) sentences.push('No margin δ is declared for accuracy / ΔImp, so no trial count for "no harm beyond δ" follows from the calibration.');
  sentences.push(
    `The headroom of ${formatNumber(cal.headroom, 2)} pp is the most ΔImp a search could show at this tier; poisoning effects are read against it. Trials-needed figures use the larger of the arms' pooled sd and the calibrated sd the spec passed on (a floor: 3 trials can understate the noise).`,
  );
  return { present: true, facts, sentences };
}

/** A relative change (a fraction) in percent with its sign: `+1.2 %`, `−0.042 %`, `0 %`. */
export function formatRelativeChange(x: number): string {
  const percent = x * 100;
  return `${percent > 0 ? '+' : ''}${formatAdaptive(percent)} %`;
}

function sensitivityRow(m: SensitivityMetricResult, panel: number): SensitivityRow {
  const unchanged = m.bitIdentical === panel;
  const ci = m.ciLow === null || m.ciHigh === null ? '—' : unchanged ? 'exactly 0' : `[${formatRelativeChange(m.ciLow)}, ${formatRelativeChange(m.ciHigh)}]`;
  return {
    metric: m.metric,
    usesLabels: m.usesLabels ? 'yes' : 'no',
    cells: m.error !== undefined ? '—' : m.n === panel ? String(panel) : `${m.n} of ${panel}`,
    mean: m.error !== undefined ? 'not computed' : m.mean === null ? '—' : formatRelativeChange(m.mean),
    ci,
    maxAbsChange: m.maxAbsChange === null ? '—' : `${formatAdaptive(m.maxAbsChange * 100)} %`,
    bitIdentical: m.error === undefined ? `${m.bitIdentical} of ${panel}` : '—',
    unchanged,
    error: m.error ?? null,
  };
}

function sensitivityTableView(t: SensitivityTable): SensitivityTableView {
  const panel = t.cells.length;
  return {
    title: t.label,
    file: t.file,
    setup:
      `${panel} seeded non-degenerate NB201 ${panel === 1 ? 'cell' : 'cells'} at initialisation (C = ${t.network.channels}, ${t.network.cellsPerStage} ${t.network.cellsPerStage === 1 ? 'cell' : 'cells'} per stage), ` +
      `${t.batches} ${t.batches === 1 ? 'batch' : 'batches'} of ${t.batchSize} training images per cell; poison ${t.attack} at ${formatBudget(t.budget)} (hash ${t.poisonHash.slice(0, 12)}), seed ${t.seed}`,
    confidence: formatPower(t.confidence),
    rows: t.metrics.map((m) => sensitivityRow(m, panel)),
    errors: t.metrics.flatMap((m) => (m.error === undefined ? [] : [`${m.metric}: ${m.error}`])),
    cells: [...t.cells],
  };
}

function sensitivityView(results: RunResults): ReportView['sensitivity'] {
  const tables = results.sensitivity ?? [];
  if (tables.length === 0) return null;
  return {
    note:
      'Each training-free metric is computed for every cell of a fixed, seeded panel at initialisation, on batches of training images with their clean labels and on the same images taken from the poisoned training set (same weights, same images). ' +
      "A cell's relative change is (poisoned − clean) / |clean| of its mean over the batches; the table gives, per metric, the cells with a defined change, their mean with a two-sided t confidence interval, the largest |change|, and the cells whose values were bit-identical on every batch. " +
      'Label flipping can move only the metrics that read labels; the others must be bit-identical in every cell.',
    tables: tables.map(sensitivityTableView),
  };
}

/** Mean with the range over trials: `0.82 (0.75–0.90)`, just the mean for one trial or an exact value, `—` without. */
function rangeText(r: RangeSummary | null, digits: number, boundDigits = digits): string {
  if (r === null) return '—';
  const mean = formatNumber(r.mean, digits);
  return r.n === 1 || r.min === r.max ? mean : `${mean} (${formatNumber(r.min, boundDigits)}–${formatNumber(r.max, boundDigits)})`;
}

function defenceRowView(row: DefenceRow): DefenceRowView {
  const r = row.recovery;
  const computed = r?.state === 'computed' ? r : null;
  const d = row.deltaImprovement;
  return {
    cell: row.cell,
    nas: row.nas,
    attack: row.attack,
    budget: formatBudget(row.budget),
    defence: row.defence,
    oracle: row.oracle ? 'upper bound (reads the poison)' : null,
    n: row.n,
    precision: rangeText(row.precision, 2),
    recall: rangeText(row.recall, 2),
    // Counts: whole bounds, a mean with one decimal unless it is whole.
    removed: row.removed === null ? '—' : rangeText(row.removed, Number.isInteger(row.removed.mean) ? 0 : 1, 0),
    clean: formatNumber(d.clean, 2),
    undefended: formatNumber(d.undefended, 2),
    defended: formatNumber(d.defended, 2),
    recovered: computed ? formatPp(computed.diff) : r?.state === 'insufficient-data' ? 'insufficient data' : '—',
    ci: computed ? formatCi(computed.ciLow, computed.ciHigh, 'deltaImprovement') : '—',
    p: computed ? formatP(computed.p) : '—',
    q: computed ? formatP(computed.q) : '—',
    share: row.shareOfGap === null ? '—' : `${formatNumber(row.shareOfGap * 100, 0)} %`,
    significant: row.recovered,
    interpretation: row.interpretation,
  };
}

function defencesView(results: RunResults): ReportView['defences'] {
  const section = results.defences ?? null;
  if (section === null) return null;
  const confidence = formatPower(1 - results.run.alpha);
  return {
    note:
      'Each defended arm searched on the training set its defence kept; its undefended twin searched on the poisoned set as is, and the clean control on clean data. ' +
      'Precision = share of the removed samples that were poisons, recall = share of the poisons removed (mean over trials, range in parentheses; undefined when nothing was removed or there was no poison). ' +
      `Recovered = defended − undefended mean ΔImp with its two-sided ${confidence} Welch CI; p = one-sided Welch test of defended > undefended; q = Benjamini–Hochberg over ${section.family}. ` +
      'Gap closed = recovered / (clean − undefended), shown only when the attack cost ΔImp. A recovery is claimed only when q ≤ α = ' +
      `${results.run.alpha}. Oracle defences read the poison itself: they bound what any filter could achieve and are not defences one could deploy.`,
    confidence,
    rows: section.rows.map(defenceRowView),
  };
}

/** The columns of an attack's table: keys without their prefix, a `xBefore` / `xAfter` pair as one `x before → after` column. */
function attackDiagnosticsView(table: AttackDiagnosticsTable): AttackDiagnosticsView {
  const keys = new Set(table.keys);
  const columns: { heading: string; keys: readonly string[] }[] = [];
  for (const key of table.keys) {
    const name = key.slice(POISON_PREFIX.length);
    if (name.endsWith('After') && keys.has(`${key.slice(0, -'After'.length)}Before`)) continue;
    const after = `${key.slice(0, -'Before'.length)}After`;
    if (name.endsWith('Before') && keys.has(after)) columns.push({ heading: `${name.slice(0, -'Before'.length)} before → after`, keys: [key, after] });
    else columns.push({ heading: name, keys: [key] });
  }
  return {
    attack: table.attack,
    note: table.note,
    columns: columns.map((c) => c.heading),
    rows: table.rows.map((row) => ({
      cell: row.cell,
      nas: row.nas,
      budget: formatBudget(row.budget),
      n: row.n,
      values: columns.map((c) => c.keys.map((k) => formatDiagnostic(row.means[k] ?? null)).join(' → ')),
    })),
  };
}

function attackDiagnosticsSectionView(results: RunResults): ReportView['attackDiagnostics'] {
  const section = results.attackDiagnostics ?? null;
  if (section === null) return null;
  return {
    note: "Means over each undefended poisoned cell's completed trials of the numeric diagnostics its poison recorded while it was crafted and verified (a poison is the same for every defence of its arm).",
    tables: section.attacks.map(attackDiagnosticsView),
  };
}

/** Builds the template view of a (validated) results object. */
export function reportView(results: RunResults): ReportView {
  const cells = sortCells(results.cells);
  const labels = new Map(cells.map((cell) => [cell.id, cellLabel(cell)]));
  const count = (v: Verdict): number => results.comparisons.filter((c) => c.verdict === v).length;
  const tested = cells.filter((cell) => !(cell.attack === CLEAN_ATTACK && cell.defence === NO_DEFENCE));
  const headlineComparisons = tested.flatMap((cell) => {
    const h = headlineOf(results, cell);
    return h ? [{ cell, h }] : [];
  });
  const headlines = headlineComparisons.map(({ cell, h }) => ({ label: labels.get(cell.id) ?? cell.id, verdict: h.verdict, verdictText: labelOf(h), text: h.interpretation }));
  const headlineCount = (v: Verdict) => headlineComparisons.filter(({ h }) => h.verdict === v).length;
  const metric = metricLabel(HEADLINE_METRIC);
  const headline =
    `Of ${tested.length} tested ${tested.length === 1 ? 'cell' : 'cells'} (${metric} versus the clean control): ` +
    `harm shown in ${headlineCount('harm-shown')}, no harm beyond the margin in ${headlineCount('no-harm-beyond-margin')}, ` +
    `inconclusive in ${headlineCount('inconclusive')}, insufficient data in ${headlineCount('insufficient-data')}.`;
  const env = results.run.environment;
  const environment = [
    { name: 'Backend', value: env.backend },
    { name: 'TF.js', value: env.tfjs },
    { name: 'Node.js', value: env.node },
    { name: 'Platform', value: `${env.platform} ${env.arch}` },
    { name: 'CPU', value: `${env.cpuModel} (${env.cpuCount} cores)` },
    ...(env.gpu !== undefined ? [{ name: 'GPU', value: env.gpu }] : []),
  ];
  const b = results.randomBaseline;
  const hasCells = results.cells.length > 0;
  const assertions = results.assertions ?? null;
  const statusCount = (s: AssertionStatus) => assertions?.filter((a) => a.status === s).length ?? 0;
  const alpha = results.run.alpha;
  const comparisons = results.comparisons.map((c) => comparisonRow(results, c, labels));
  const groups = new Map<string, { cell: string; control: string; rows: ComparisonRow[] }>();
  results.comparisons.forEach((c, i) => {
    const group = groups.get(c.cell) ?? { cell: labels.get(c.cell) ?? c.cell, control: labels.get(c.control) ?? c.control, rows: [] };
    group.rows.push(comparisons[i] as ComparisonRow);
    groups.set(c.cell, group);
  });
  const order = new Map(cells.map((cell, i) => [cell.id, i]));
  const comparisonGroups = [...groups.entries()].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0)).map(([, g]) => g);
  const strict = results.run.strict === true;
  return {
    title: results.run.title ?? `naspoison robustness report: ${results.run.id}`,
    run: {
      id: results.run.id,
      tier: results.run.tier,
      createdAt: results.run.createdAt,
      command: results.run.command ?? null,
      exitCode: results.run.exitCode ?? null,
      outcome: runOutcome(results.run.exitCode),
      codeVersion: results.run.codeVersion,
      protocolVersion: results.protocolVersion,
      schemaVersion: results.schemaVersion,
    },
    environment,
    dataset: { ...results.run.dataset },
    hasCells,
    baseline: b === undefined ? null : { samples: b.samples, meanSd: `${formatMeanSd({ mean: b.mean, sd: b.sd, values: [b.mean] }, 2)}%`, recipe: b.recipe, space: b.space ?? null },
    statistics: {
      alpha: String(alpha),
      confidence: formatPower(1 - alpha),
      power: formatPower(results.run.power),
      correction: 'Benjamini–Hochberg (false discovery rate)',
      family: results.run.family,
      margins: marginsText(results),
    },
    summary: {
      total: results.comparisons.length,
      harmShown: count('harm-shown'),
      noHarm: count('no-harm-beyond-margin'),
      inconclusive: count('inconclusive'),
      insufficient: count('insufficient-data'),
      poisonedCells: tested.length,
      headlineMetric: metric,
      headline,
      headlines,
      assertionsLine: assertions
        ? `${statusCount('passed')} passed, ${statusCount('failed')} failed, ${statusCount('errored')} errored, ${statusCount('underpowered')} underpowered at this tier, ${statusCount('skipped')} skipped`
        : null,
      assertionsPassed: statusCount('passed'),
      assertionsFailed: statusCount('failed'),
      assertionsErrored: statusCount('errored'),
      assertionsUnderpowered: statusCount('underpowered'),
      assertionsSkipped: statusCount('skipped'),
      strictNote: assertions && strict ? 'strict run: underpowered assertions counted as failures' : null,
    },
    cells: cells.map((cell) => cellRow(results, cell)),
    comparisons,
    comparisonGroups,
    assertions: assertions ? assertions.map(assertionRow) : null,
    methods: results.methods && results.methods.length > 0 ? results.methods.map((m) => ({ nas: m.nas, description: m.description, deviations: [...m.deviations] })) : null,
    calibration: calibrationView(results),
    charts: {
      delta: deltaImprovementCharts(results).map((chart) => ({ title: chart.title, svg: new hbs.SafeString(chart.svg) })),
      // No cells, no chart (the template shows the charts section only with cells).
      accuracy: new hbs.SafeString(hasCells ? accuracyChart(results, { idPrefix: 'accuracy-chart' }) : ''),
    },
    sequential: sequentialView(results, labels),
    defences: defencesView(results),
    attackDiagnostics: attackDiagnosticsSectionView(results),
    sensitivity: sensitivityView(results),
  };
}

/** The Markdown report of a results object (validated first). */
export function renderMarkdown(results: unknown): string {
  return templates.markdown(reportView(validateResults(results)));
}

/** The self-contained HTML report of a results object (validated first). */
export function renderHtml(results: unknown): string {
  return templates.html(reportView(validateResults(results)));
}

/** The results JSON text as written to `results.json` (two-space indent, trailing newline). */
export function serializeResults(results: RunResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

/** Writes a file atomically: a temporary file in the same folder, then a rename over the target. */
export function writeFileAtomic(path: string, content: string): void {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { encoding: 'utf8', flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Validates `results`, renders everything in memory, then writes `report.md`, `index.html` and
 * `results.json` into `outDir` (created if missing), each atomically. Nothing is written when
 * validation or rendering fails.
 *
 * @returns the paths written.
 * @throws ResultsValidationError listing every problem of an invalid results object.
 */
export function renderReport(results: unknown, outDir: string): RenderedReport {
  const valid = validateResults(results);
  const view = reportView(valid);
  const markdown = templates.markdown(view);
  const html = templates.html(view);
  const json = serializeResults(valid);
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const paths: RenderedReport = {
    markdown: join(dir, REPORT_FILES.markdown),
    html: join(dir, REPORT_FILES.html),
    json: join(dir, REPORT_FILES.json),
  };
  writeFileAtomic(paths.json, json);
  writeFileAtomic(paths.markdown, markdown);
  writeFileAtomic(paths.html, html);
  return paths;
}

/** The leaderboard as Markdown (a `##` section, ready to append to a document). */
export function renderLeaderboardMarkdown(board: Leaderboard): string {
  return templates.leaderboardMarkdown(leaderboardView(board));
}

/**
 * The leaderboard as HTML: a `<section>` using the report's CSS classes, or with `page: true` a
 * self-contained page (inline CSS).
 */
export function renderLeaderboardHtml(board: Leaderboard, options: { page?: boolean } = {}): string {
  const view = leaderboardView(board);
  return options.page === true ? templates.leaderboardPage(view) : templates.leaderboardSection(view);
}
