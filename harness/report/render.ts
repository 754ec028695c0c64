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
import { CLEAN_ATTACK, NO_DEFENCE, cellLabel, sortCells } from './cells.js';
import { accuracyChart, deltaImprovementCharts } from './charts.js';
import {
  formatAdaptive,
  formatBudget,
  formatChange,
  formatCi,
  formatMagnitude,
  formatMeanSd,
  formatNumber,
  formatP,
  formatPower,
  metricLabel,
  verdictLabel,
} from './interpret.js';
import { leaderboardView } from './leaderboard.js';
import type { Leaderboard, LeaderboardView } from './leaderboard.js';
import { validateResults } from './schema.js';
import type { CellResult, ComparisonResult, DatasetInfo, RenderedReport, RunResults, Verdict } from './types.js';

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
  readonly verdict: Verdict;
  readonly verdictText: string;
  readonly interpretation: string;
}

/** Everything the templates read (all strings pre-formatted, absent values as `null`). */
export interface ReportView {
  readonly title: string;
  readonly run: {
    readonly id: string;
    readonly tier: string;
    readonly createdAt: string;
    readonly command: string | null;
    readonly codeVersion: string;
    readonly protocolVersion: string;
    readonly schemaVersion: number;
  };
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  readonly dataset: DatasetInfo;
  readonly baseline: { readonly samples: number; readonly meanSd: string; readonly recipe: string; readonly space: string | null };
  readonly statistics: {
    readonly alpha: string;
    readonly confidence: string;
    readonly power: string;
    readonly correction: string;
    readonly family: string;
  };
  readonly summary: {
    readonly total: number;
    readonly significant: number;
    readonly notSignificant: number;
    readonly insufficient: number;
    readonly poisonedCells: number;
    readonly headlineSignificant: number;
    readonly headlineMetric: string;
    readonly headlines: readonly { readonly label: string; readonly verdict: Verdict; readonly verdictText: string; readonly text: string }[];
    readonly assertionsPassed: number;
    readonly assertionsFailed: number;
  };
  readonly cells: readonly CellRow[];
  readonly comparisons: readonly ComparisonRow[];
  /** Comparisons grouped by tested cell, in report order. */
  readonly comparisonGroups: readonly { readonly cell: string; readonly control: string; readonly rows: readonly ComparisonRow[] }[];
  readonly assertions: readonly { readonly file: string; readonly name: string; readonly status: string; readonly message: string }[] | null;
  readonly charts: { readonly delta: readonly { readonly title: string; readonly svg: Handlebars.SafeString }[]; readonly accuracy: Handlebars.SafeString };
}

function headlineOf(results: RunResults, cell: CellResult): ComparisonResult | undefined {
  const mine = results.comparisons.filter((c) => c.cell === cell.id);
  return mine.find((c) => c.metric === HEADLINE_METRIC) ?? mine[0];
}

function pOf(c: ComparisonResult | undefined, key: 'p' | 'q'): string {
  return c && c.comparison.state === 'computed' ? formatP(c.comparison[key]) : '—';
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
    p: pOf(headline, 'p'),
    q: pOf(headline, 'q'),
    verdict: headline ? headline.verdict : 'control',
    verdictText: headline ? verdictLabel(headline.verdict) : 'control',
    interpretation: headline ? headline.interpretation : 'Reference arm: the same NAS searching on clean data.',
  };
}

function comparisonRow(comparison: ComparisonResult, labels: Map<string, string>): ComparisonRow {
  const c = comparison.comparison;
  const metric = comparison.metric;
  const hypothesis = `${metricLabel(metric)} ${comparison.alternative === 'less' ? 'lower' : 'higher'}`;
  const base = {
    id: comparison.id,
    cell: labels.get(comparison.cell) ?? comparison.cell,
    control: labels.get(comparison.control) ?? comparison.control,
    metric: metricLabel(metric),
    hypothesis,
    verdict: comparison.verdict,
    verdictText: verdictLabel(comparison.verdict),
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
    p: formatP(c.p),
    q: formatP(c.q),
    mde: formatMagnitude(c.mde, metric),
  };
}

/** Builds the template view of a (validated) results object. */
export function reportView(results: RunResults): ReportView {
  const cells = sortCells(results.cells);
  const labels = new Map(cells.map((cell) => [cell.id, cellLabel(cell)]));
  const count = (v: Verdict): number => results.comparisons.filter((c) => c.verdict === v).length;
  const tested = cells.filter((cell) => !(cell.attack === CLEAN_ATTACK && cell.defence === NO_DEFENCE));
  const headlines = tested.flatMap((cell) => {
    const h = headlineOf(results, cell);
    return h ? [{ label: labels.get(cell.id) ?? cell.id, verdict: h.verdict, verdictText: verdictLabel(h.verdict), text: h.interpretation }] : [];
  });
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
  const assertions = results.assertions ?? null;
  const alpha = results.run.alpha;
  const comparisons = results.comparisons.map((c) => comparisonRow(c, labels));
  const groups = new Map<string, { cell: string; control: string; rows: ComparisonRow[] }>();
  results.comparisons.forEach((c, i) => {
    const group = groups.get(c.cell) ?? { cell: labels.get(c.cell) ?? c.cell, control: labels.get(c.control) ?? c.control, rows: [] };
    group.rows.push(comparisons[i] as ComparisonRow);
    groups.set(c.cell, group);
  });
  const order = new Map(cells.map((cell, i) => [cell.id, i]));
  const comparisonGroups = [...groups.entries()].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0)).map(([, g]) => g);
  return {
    title: results.run.title ?? `naspoison robustness report: ${results.run.id}`,
    run: {
      id: results.run.id,
      tier: results.run.tier,
      createdAt: results.run.createdAt,
      command: results.run.command ?? null,
      codeVersion: results.run.codeVersion,
      protocolVersion: results.protocolVersion,
      schemaVersion: results.schemaVersion,
    },
    environment,
    dataset: { ...results.run.dataset },
    baseline: { samples: b.samples, meanSd: `${formatMeanSd({ mean: b.mean, sd: b.sd, values: [b.mean] }, 2)}%`, recipe: b.recipe, space: b.space ?? null },
    statistics: {
      alpha: String(alpha),
      confidence: formatPower(1 - alpha),
      power: formatPower(results.run.power),
      correction: 'Benjamini–Hochberg (false discovery rate)',
      family: results.run.family,
    },
    summary: {
      total: results.comparisons.length,
      significant: count('significant'),
      notSignificant: count('not-significant'),
      insufficient: count('insufficient-data'),
      poisonedCells: tested.length,
      headlineSignificant: headlines.filter((h) => h.verdict === 'significant').length,
      headlineMetric: metricLabel(HEADLINE_METRIC),
      headlines,
      assertionsPassed: assertions?.filter((a) => a.status === 'passed').length ?? 0,
      assertionsFailed: assertions?.filter((a) => a.status === 'failed').length ?? 0,
    },
    cells: cells.map((cell) => cellRow(results, cell)),
    comparisons,
    comparisonGroups,
    assertions: assertions ? assertions.map((a) => ({ ...a })) : null,
    charts: {
      delta: deltaImprovementCharts(results).map((chart) => ({ title: chart.title, svg: new hbs.SafeString(chart.svg) })),
      accuracy: new hbs.SafeString(accuracyChart(results, { idPrefix: 'accuracy-chart' })),
    },
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
