/**
 * SVG charts as strings: no browser, no plotting dependency, deterministic (same results → the same
 * bytes: coordinates are rounded to 0.1 px, every list is sorted, nothing random or time-based).
 * Each chart is accessible: `role="img"` with `<title>` and `<desc>` (a text version of the data),
 * and a `<title>` tooltip on every mark. Every piece of text from the results is XML-escaped.
 *
 * - {@link deltaImprovementChart}: ΔImp mean ± sd per budget, grouped by NAS, next to the clean control,
 *   with the random baseline (ΔImp = 0) as a dashed line.
 * - {@link accuracyChart}: clean test accuracy mean ± sd of every cell, with the random baseline's
 *   mean ± sd as a band.
 *
 * @module
 */

import { CLEAN_ATTACK, NO_DEFENCE, cellLabel, controlOf, sortCells } from './cells.js';
import { formatBudget, formatMeanSd, formatNumber, verdictLabel } from './interpret.js';
import type { CellResult, ComparisonResult, RunResults } from './types.js';

/** Options shared by the charts. */
export interface ChartOptions {
  /** Prefix of the element ids (`<prefix>-title`, `<prefix>-desc`); must be unique within a page. */
  readonly idPrefix?: string;
  /** Width in px (the SVG scales down with its container). */
  readonly width?: number;
}

/** One ΔImp chart: the attack and defence it shows, and the SVG. */
export interface DeltaImprovementChart {
  readonly attack: string;
  readonly defence: string;
  readonly title: string;
  readonly svg: string;
}

/** Colour of the clean control. */
export const CONTROL_COLOUR = '#475569';

/** Budget colours, light to dark with increasing budget (amber → dark red). */
export const BUDGET_COLOURS = ['#d97706', '#ea580c', '#dc2626', '#b91c1c', '#881337', '#4c0519'] as const;

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const INK = '#1f2937';
const MUTED = '#6b7280';
const GRID = '#e5e7eb';

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A coordinate rounded to 0.1 px, without a negative zero. */
function c(x: number): string {
  const text = x.toFixed(1);
  return text === '-0.0' ? '0.0' : text;
}

function safeId(prefix: string): string {
  const id = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(id) ? id : `chart-${id}`;
}

/** Evenly spaced "nice" tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): { ticks: number[]; decimals: number } {
  if (!(max > min)) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return niceTicks(min - pad, max + pad, target);
  }
  const raw = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  let decimals = 0;
  while (decimals < 10 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return { ticks, decimals };
}

/** Colour of each budget present in the run (control excluded), light to dark. */
export function budgetColours(results: RunResults): Map<number, string> {
  const budgets = [...new Set(results.cells.filter((cell) => cell.attack !== CLEAN_ATTACK).map((cell) => cell.budget))].sort((a, b) => a - b);
  const last = BUDGET_COLOURS.length - 1;
  return new Map(
    budgets.map((b, i) => {
      const index = budgets.length === 1 ? 2 : Math.round((i * Math.min(last, budgets.length + 1)) / (budgets.length - 1));
      return [b, BUDGET_COLOURS[Math.min(index, last)] as string];
    }),
  );
}

function colourOf(cell: CellResult, colours: Map<number, string>): string {
  return cell.attack === CLEAN_ATTACK ? CONTROL_COLOUR : (colours.get(cell.budget) ?? INK);
}

function verdictFor(results: RunResults, cell: CellResult, metric: string): ComparisonResult | undefined {
  return results.comparisons.find((comparison) => comparison.cell === cell.id && comparison.metric === metric);
}

function openSvg(id: string, width: number, height: number, title: string, desc: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `role="img" aria-labelledby="${id}-title ${id}-desc" font-family="${escapeXml(FONT)}" font-size="12" fill="${INK}">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(desc)}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
}

/** Marker: a square for the control, a circle otherwise; filled when significant, hollow when not. */
function marker(x: number, y: number, colour: string, square: boolean, filled: boolean): string {
  const fill = filled ? colour : '#ffffff';
  if (square) return `<rect x="${c(x - 5)}" y="${c(y - 5)}" width="10" height="10" fill="${fill}" stroke="${colour}" stroke-width="2"/>`;
  return `<circle cx="${c(x)}" cy="${c(y)}" r="5.5" fill="${fill}" stroke="${colour}" stroke-width="2"/>`;
}

interface LegendItem {
  readonly label: string;
  readonly draw: (x: number, y: number) => string;
}

/** Legend items laid out left to right, wrapping at `maxX`; returns the SVG and the rows used. */
function legend(items: readonly LegendItem[], x0: number, y0: number, maxX: number): { svg: string[]; rows: number } {
  const out: string[] = [];
  let x = x0;
  let y = y0;
  let rows = 1;
  for (const item of items) {
    const w = 26 + textWidth(item.label);
    if (x > x0 && x + w > maxX) {
      x = x0;
      y += 20;
      rows++;
    }
    out.push(item.draw(x + 6, y));
    out.push(`<text x="${c(x + 16)}" y="${c(y + 4)}" fill="${INK}">${escapeXml(item.label)}</text>`);
    x += w + 8;
  }
  return { svg: out, rows };
}

/** A rough width of a text in px at 12 px (for layout only). */
function textWidth(text: string): number {
  return text.length * 6.6;
}

/** The cells a ΔImp chart for (attack, defence) shows, grouped by NAS: control first, then budgets. */
function deltaGroups(results: RunResults, attack: string, defence: string): { nas: string; cells: CellResult[] }[] {
  const poisoned = sortCells(results.cells.filter((cell) => cell.attack === attack && cell.defence === defence));
  const byNas = new Map<string, CellResult[]>();
  for (const cell of poisoned) {
    const list = byNas.get(cell.nas) ?? [];
    if (list.length === 0) {
      const control = controlOf(cell, results.cells);
      if (control) list.push(control);
    }
    list.push(cell);
    byNas.set(cell.nas, list);
  }
  return [...byNas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([nas, cells]) => ({ nas, cells }));
}

function chartTitle(attack: string, defence: string): string {
  return `ΔImp under ${attack}${defence === NO_DEFENCE ? ' (no defence)' : ` with defence ${defence}`}, versus the clean control`;
}

/**
 * Grouped dot-and-interval plot of ΔImp (pp) for one attack and defence: per NAS, the clean control
 * (grey square) and each budget (circle, darker = larger budget), mean ± sd with the individual
 * trials as small dots; filled markers and a `*` mark a harm shown (q ≤ α). The dashed line
 * at 0 is the random baseline: a point below it is no better than a randomly drawn architecture.
 */
export function deltaImprovementChart(results: RunResults, attack: string, defence: string, options: ChartOptions = {}): string {
  const id = safeId(options.idPrefix ?? `delta-${attack}-${defence}`);
  const groups = deltaGroups(results, attack, defence);
  const colours = budgetColours(results);
  const title = chartTitle(attack, defence);
  const slotsPerGroup = Math.max(1, ...groups.map((g) => g.cells.length));
  const totalSlots = Math.max(1, groups.length * slotsPerGroup + Math.max(0, groups.length - 1));
  const width = options.width ?? Math.max(720, Math.min(1080, 140 + totalSlots * 96));
  const budgets = [...new Set(groups.flatMap((g) => g.cells.filter((cell) => cell.attack !== CLEAN_ATTACK).map((cell) => cell.budget)))].sort((a, b) => a - b);
  const key = legend(
    [
      { label: 'clean control', draw: (x, yy) => marker(x, yy, CONTROL_COLOUR, true, true) },
      ...budgets.map((b) => ({ label: `p = ${formatBudget(b)}`, draw: (x: number, yy: number) => marker(x, yy, colours.get(b) ?? INK, false, true) })),
      { label: 'filled and * = harm shown (q ≤ α)', draw: (x: number, yy: number) => marker(x, yy, MUTED, false, true) },
      { label: 'hollow = no harm shown', draw: (x: number, yy: number) => marker(x, yy, MUTED, false, false) },
    ],
    16,
    22,
    width - 16,
  );
  const noteY = 22 + key.rows * 20 + 2;
  const margin = { left: 64, right: 24, top: noteY + 34, bottom: 70 };
  const height = margin.top + 260 + margin.bottom;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const extent: number[] = [0];
  for (const g of groups) {
    for (const cell of g.cells) {
      const s = cell.deltaImprovement;
      extent.push(...s.values);
      if (s.mean !== null) extent.push(s.mean - (s.sd ?? 0), s.mean + (s.sd ?? 0));
    }
  }
  const { ticks, decimals } = niceTicks(Math.min(...extent), Math.max(...extent), 6);
  const yMin = ticks[0] as number;
  const yMax = ticks[ticks.length - 1] as number;
  const y = (v: number): number => margin.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const slotW = plotW / totalSlots;

  const descParts = groups.map(
    (g) =>
      `${g.nas}: ` +
      g.cells
        .map((cell) => `${cell.attack === CLEAN_ATTACK ? 'control' : formatBudget(cell.budget)} ${formatMeanSd(cell.deltaImprovement, 1)} pp (n = ${cell.n})`)
        .join('; '),
  );
  const desc = `ΔImp in percentage points, mean ± sd per cell. ${descParts.join('. ')}. Dashed line: random baseline (ΔImp = 0).`;
  const out = openSvg(id, width, height, title, desc);

  // Grid and y axis.
  for (const tick of ticks) {
    out.push(`<line x1="${c(margin.left)}" y1="${c(y(tick))}" x2="${c(width - margin.right)}" y2="${c(y(tick))}" stroke="${GRID}" stroke-width="1"/>`);
    out.push(`<text x="${c(margin.left - 8)}" y="${c(y(tick) + 4)}" text-anchor="end" fill="${MUTED}">${escapeXml(formatNumber(tick, decimals))}</text>`);
  }
  out.push(
    `<text transform="translate(16 ${c(margin.top + plotH / 2)}) rotate(-90)" text-anchor="middle" fill="${INK}">ΔImp (pp)</text>`,
    `<line x1="${c(margin.left)}" y1="${c(margin.top)}" x2="${c(margin.left)}" y2="${c(margin.top + plotH)}" stroke="${MUTED}" stroke-width="1"/>`,
  );
  // Random baseline.
  out.push(
    `<line x1="${c(margin.left)}" y1="${c(y(0))}" x2="${c(width - margin.right)}" y2="${c(y(0))}" stroke="${INK}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${c(margin.left + 6)}" y="${c(y(0) - 6)}" fill="${INK}" font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke">random baseline (ΔImp = 0)</text>`,
  );

  groups.forEach((g, gi) => {
    const groupStart = gi * (slotsPerGroup + 1);
    const groupCentre = margin.left + (groupStart + g.cells.length / 2) * slotW;
    out.push(`<text x="${c(groupCentre)}" y="${c(height - margin.bottom + 44)}" text-anchor="middle" font-weight="600" fill="${INK}">${escapeXml(g.nas)}</text>`);
    g.cells.forEach((cell, i) => {
      const x = margin.left + (groupStart + i + 0.5) * slotW;
      const colour = colourOf(cell, colours);
      const isCtrl = cell.attack === CLEAN_ATTACK;
      const tick = isCtrl ? 'control' : formatBudget(cell.budget);
      out.push(`<text x="${c(x)}" y="${c(height - margin.bottom + 20)}" text-anchor="middle" fill="${MUTED}">${escapeXml(tick)}</text>`);
      const s = cell.deltaImprovement;
      const verdict = isCtrl ? undefined : verdictFor(results, cell, 'deltaImprovement');
      const significant = verdict?.verdict === 'harm-shown';
      const tip = `${cellLabel(cell)}: ΔImp ${formatMeanSd(s, 2)} pp, n = ${cell.n}${verdict ? `, ${verdictLabel(verdict.verdict, verdict.margin, verdict.metric)}` : ''}`;
      out.push(`<g><title>${escapeXml(tip)}</title>`);
      if (s.mean === null) {
        out.push(`<text x="${c(x)}" y="${c(y(0) - 10)}" text-anchor="middle" fill="${MUTED}" font-size="11">n = 0</text>`);
      } else {
        if (s.sd !== null && s.sd > 0) {
          const top = y(s.mean + s.sd);
          const bottom = y(s.mean - s.sd);
          out.push(
            `<line x1="${c(x)}" y1="${c(top)}" x2="${c(x)}" y2="${c(bottom)}" stroke="${colour}" stroke-width="2"/>`,
            `<line x1="${c(x - 6)}" y1="${c(top)}" x2="${c(x + 6)}" y2="${c(top)}" stroke="${colour}" stroke-width="2"/>`,
            `<line x1="${c(x - 6)}" y1="${c(bottom)}" x2="${c(x + 6)}" y2="${c(bottom)}" stroke="${colour}" stroke-width="2"/>`,
          );
        }
        for (const v of s.values) out.push(`<circle cx="${c(x + 14)}" cy="${c(y(v))}" r="2.5" fill="${colour}" fill-opacity="0.55"/>`);
        out.push(marker(x, y(s.mean), colour, isCtrl, isCtrl || significant));
        if (significant) {
          out.push(`<text x="${c(x)}" y="${c(y(s.mean + (s.sd ?? 0)) - 10)}" text-anchor="middle" font-size="16" font-weight="700" fill="${colour}">*</text>`);
        }
        if (s.sd === null) out.push(`<text x="${c(x)}" y="${c(y(s.mean) + 20)}" text-anchor="middle" fill="${MUTED}" font-size="10">n = ${cell.n}</text>`);
      }
      out.push('</g>');
    });
  });

  out.push(...key.svg, `<text x="16" y="${c(noteY + 4)}" fill="${MUTED}" font-size="11">Mean ± sd over trials; small dots are single trials.</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** Every ΔImp chart of a run: one per (attack, defence) with poisoned cells, in report order. */
export function deltaImprovementCharts(results: RunResults, options: ChartOptions = {}): DeltaImprovementChart[] {
  const pairs = new Map<string, { attack: string; defence: string }>();
  for (const cell of sortCells(results.cells)) {
    if (cell.attack === CLEAN_ATTACK) continue;
    pairs.set(`${cell.defence}\u0000${cell.attack}`, { attack: cell.attack, defence: cell.defence });
  }
  return [...pairs.values()].map(({ attack, defence }, i) => ({
    attack,
    defence,
    title: chartTitle(attack, defence),
    svg: deltaImprovementChart(results, attack, defence, { ...options, idPrefix: `${options.idPrefix ?? 'delta'}-${i + 1}` }),
  }));
}

const MAX_LABEL = 64;

/**
 * Horizontal dot-and-interval plot of the clean test accuracy (%) of every cell, mean ± sd with the
 * trials as small dots, against the random baseline (dashed line at its mean, grey band ± sd).
 * Filled markers mark an accuracy drop shown against the control (harm shown).
 */
export function accuracyChart(results: RunResults, options: ChartOptions = {}): string {
  const id = safeId(options.idPrefix ?? 'accuracy');
  const cells = sortCells(results.cells);
  const colours = budgetColours(results);
  const labels = cells.map((cell) => {
    const label = cellLabel(cell);
    return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
  });
  const baseline = results.randomBaseline;
  // Results without a baseline have no cells (a run of sensitivity tables alone): nothing to chart.
  if (baseline === undefined || cells.length === 0) throw new Error('accuracyChart: these results have no cells (a run of sensitivity tables alone); there is no accuracy to chart');
  const rowH = 28;
  const left = Math.min(430, 16 + Math.max(...labels.map(textWidth)));
  const width = options.width ?? Math.max(720, left + 460 + 150);
  const key = legend(
    [
      { label: 'clean control', draw: (px, py) => marker(px, py, CONTROL_COLOUR, true, true) },
      { label: 'filled = harm shown (q ≤ α)', draw: (px, py) => marker(px, py, MUTED, false, true) },
      { label: 'hollow = no harm shown', draw: (px, py) => marker(px, py, MUTED, false, false) },
    ],
    16,
    16,
    width - 16,
  );
  const margin = { left, right: 150, top: 16 + key.rows * 20 + 30, bottom: 56 };
  const height = margin.top + cells.length * rowH + margin.bottom;
  const plotW = width - margin.left - margin.right;

  const extent: number[] = [baseline.mean - (baseline.sd ?? 0), baseline.mean + (baseline.sd ?? 0)];
  for (const cell of cells) {
    extent.push(...cell.accuracy.values);
    if (cell.accuracy.mean !== null) extent.push(cell.accuracy.mean - (cell.accuracy.sd ?? 0), cell.accuracy.mean + (cell.accuracy.sd ?? 0));
  }
  const { ticks, decimals } = niceTicks(Math.min(...extent), Math.max(...extent), 6);
  const xMin = ticks[0] as number;
  const xMax = ticks[ticks.length - 1] as number;
  const x = (v: number): number => margin.left + ((v - xMin) / (xMax - xMin)) * plotW;
  const plotBottom = margin.top + cells.length * rowH;

  const title = 'Clean test accuracy per cell, against the random baseline';
  const desc =
    `Accuracy in percent, mean ± sd per cell. ` +
    cells.map((cell) => `${cellLabel(cell)}: ${formatMeanSd(cell.accuracy, 2)} (n = ${cell.n})`).join('; ') +
    `. Random baseline: ${formatMeanSd({ mean: baseline.mean, sd: baseline.sd, values: [] }, 2)} over ${baseline.samples} random architectures.`;
  const out = openSvg(id, width, height, title, desc);

  // Row stripes, random-baseline band and grid.
  cells.forEach((_, i) => {
    if (i % 2 === 1) out.push(`<rect x="0" y="${c(margin.top + i * rowH)}" width="${width}" height="${rowH}" fill="#f9fafb"/>`);
  });
  const bandLow = x(baseline.mean - (baseline.sd ?? 0));
  const bandHigh = x(baseline.mean + (baseline.sd ?? 0));
  out.push(`<rect x="${c(bandLow)}" y="${c(margin.top)}" width="${c(bandHigh - bandLow)}" height="${c(plotBottom - margin.top)}" fill="#e5e7eb" fill-opacity="0.55"/>`);
  for (const tick of ticks) {
    out.push(`<line x1="${c(x(tick))}" y1="${c(margin.top)}" x2="${c(x(tick))}" y2="${c(plotBottom)}" stroke="${GRID}" stroke-width="1"/>`);
    out.push(`<text x="${c(x(tick))}" y="${c(plotBottom + 18)}" text-anchor="middle" fill="${MUTED}">${escapeXml(formatNumber(tick, decimals))}</text>`);
  }
  out.push(
    `<line x1="${c(margin.left)}" y1="${c(plotBottom)}" x2="${c(width - margin.right)}" y2="${c(plotBottom)}" stroke="${MUTED}" stroke-width="1"/>`,
    `<text x="${c(margin.left + plotW / 2)}" y="${c(plotBottom + 42)}" text-anchor="middle" fill="${INK}">Clean test accuracy (%)</text>`,
    `<line x1="${c(x(baseline.mean))}" y1="${c(margin.top - 6)}" x2="${c(x(baseline.mean))}" y2="${c(plotBottom)}" stroke="${INK}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${c(x(baseline.mean))}" y="${c(margin.top - 12)}" text-anchor="middle" fill="${INK}" font-size="11">${escapeXml(
      `random baseline ${formatMeanSd({ mean: baseline.mean, sd: baseline.sd, values: [] }, 2)}%`,
    )}</text>`,
  );

  cells.forEach((cell, i) => {
    const yy = margin.top + (i + 0.5) * rowH;
    const colour = colourOf(cell, colours);
    const isCtrl = cell.attack === CLEAN_ATTACK;
    const s = cell.accuracy;
    const verdict = isCtrl ? undefined : verdictFor(results, cell, 'accuracy');
    const significant = verdict?.verdict === 'harm-shown';
    out.push(`<g><title>${escapeXml(`${cellLabel(cell)}: accuracy ${formatMeanSd(s, 2)}%, n = ${cell.n}${verdict ? `, ${verdictLabel(verdict.verdict, verdict.margin, verdict.metric)}` : ''}`)}</title>`);
    out.push(`<text x="${c(margin.left - 10)}" y="${c(yy + 4)}" text-anchor="end" fill="${INK}">${escapeXml(labels[i] as string)}</text>`);
    if (s.mean !== null) {
      if (s.sd !== null && s.sd > 0) {
        out.push(`<line x1="${c(x(s.mean - s.sd))}" y1="${c(yy)}" x2="${c(x(s.mean + s.sd))}" y2="${c(yy)}" stroke="${colour}" stroke-width="2"/>`);
      }
      for (const v of s.values) out.push(`<circle cx="${c(x(v))}" cy="${c(yy + 8)}" r="2.5" fill="${colour}" fill-opacity="0.55"/>`);
      out.push(marker(x(s.mean), yy, colour, isCtrl, isCtrl || significant));
    }
    out.push(
      `<text x="${c(width - margin.right + 10)}" y="${c(yy + 4)}" fill="${INK}" font-variant-numeric="tabular-nums">${escapeXml(
        `${formatMeanSd(s, 2)}${s.sd === null ? '' : ` (n = ${cell.n})`}`,
      )}</text>`,
    );
    out.push('</g>');
  });
  out.push(...key.svg);
  out.push('</svg>');
  return out.join('\n');
}
