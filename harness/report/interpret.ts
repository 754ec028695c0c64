/**
 * Number formatting and the plain-English interpretation of each comparison. Every number a report
 * prints goes through these helpers, so the Markdown, the HTML and the charts agree digit for digit.
 *
 * Conventions: the minus sign is U+2212 (−); p and q keep two significant digits and show values
 * below 1e-4 as `<1e-4`; differences of accuracies and ΔImp are in percentage points (pp).
 *
 * @module
 */

import { MAX_TRIALS_NEEDED } from '../verdicts/index.js';
import { MIN_SAMPLES_PER_ARM } from '../stats/index.js';
import type { Alternative } from '../stats/index.js';
import type { ComparisonResult, MetricSummary, ResultsComparison, Verdict } from './types.js';

/** Unicode minus sign used in every printed negative number. */
export const MINUS = '\u2212';

/** Smallest p or q printed as a number; anything below prints as `<1e-4`. */
export const SMALLEST_PRINTED_P = 1e-4;

/** Replaces a leading ASCII hyphen-minus with U+2212 and turns a negative zero (`-0.0`) into `0.0`. */
function withMinus(text: string): string {
  if (!text.startsWith('-')) return text;
  if (/^-0(\.0*)?$/.test(text)) return text.slice(1);
  return MINUS + text.slice(1);
}

/** Fixed-point number with `digits` decimals and a Unicode minus; `—` for null or non-finite values. */
export function formatNumber(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return `${MINUS}∞`;
  return withMinus(x.toFixed(digits));
}

/** Like {@link formatNumber} with an explicit `+` for positive values (`+3.1`, `−0.4`, `0.0`). */
export function formatSigned(x: number | null | undefined, digits = 1): string {
  const text = formatNumber(x, digits);
  if (x === null || x === undefined || Number.isNaN(x)) return text;
  return x > 0 && !/^0(\.0*)?$/.test(text) ? `+${text}` : text;
}

/**
 * A magnitude with a sensible number of digits: 0 decimals from 100, 1 decimal from 1, otherwise
 * two significant digits (0.42, 0.042). Used for effects and MDEs whose scale is not known in advance.
 */
export function formatAdaptive(x: number): string {
  if (!Number.isFinite(x)) return formatNumber(x);
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 100) return withMinus(x.toFixed(0));
  if (a >= 1) return withMinus(x.toFixed(1));
  return withMinus(Number(x.toPrecision(2)).toString());
}

/** A p- or q-value: two significant digits (0.41, 0.042, 0.0042), `<1e-4` below 1e-4, `1.0` for 1. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return '—';
  if (p < SMALLEST_PRINTED_P) return '<1e-4';
  return p.toPrecision(2);
}

/** `p = 0.042` or `p < 1e-4` (the relation adapts to the value). */
export function formatPEquals(name: 'p' | 'q', p: number): string {
  const text = formatP(p);
  return text.startsWith('<') ? `${name} < ${text.slice(1)}` : `${name} = ${text}`;
}

/** A signed difference in percentage points: `+3.1 pp`, `−0.4 pp`. */
export function formatPp(x: number | null | undefined, digits = 1): string {
  return `${formatSigned(x, digits)} pp`;
}

/** A budget as a percentage: 0.01 → `1%`, 0.005 → `0.5%`, 0 → `0%`. */
export function formatBudget(budget: number): string {
  return `${Number((budget * 100).toPrecision(6))}%`;
}

/** `mean ± sd` with fixed decimals; `mean (n = 1)` when sd is undefined; `—` without values. */
export function formatMeanSd(summary: MetricSummary, digits = 2): string {
  if (summary.mean === null) return '—';
  if (summary.sd === null) return `${formatNumber(summary.mean, digits)} (n = ${summary.values.length})`;
  return `${formatNumber(summary.mean, digits)} ± ${formatNumber(summary.sd, digits)}`;
}

/**
 * A diagnostic of unknown scale: integers as integers with thousands separators (`12,345`), other
 * values with three significant digits (`0.912`, `−0.998`, `3.14`, `1,235` from 1,000), `—` for null.
 */
export function formatDiagnostic(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return formatNumber(x);
  if (Number.isInteger(x) || Math.abs(x) >= 1000) return withMinus(Math.round(x).toLocaleString('en-US'));
  return withMinus(String(Number(x.toPrecision(3))));
}

/** A power as a percentage: 0.8 → `80%`. */
export function formatPower(power: number): string {
  return `${Number((power * 100).toPrecision(4))}%`;
}

/** Display name of a metric: `accuracy`, `ΔImp`, or the diagnostic's own name. */
export function metricLabel(metric: string): string {
  if (metric === 'accuracy') return 'accuracy';
  if (metric === 'deltaImprovement') return 'ΔImp';
  return metric;
}

/** Unit of a difference of this metric: `pp` for accuracy and ΔImp, none for diagnostics. */
export function metricUnit(metric: string): string {
  return metric === 'accuracy' || metric === 'deltaImprovement' ? 'pp' : '';
}

/** A magnitude with the metric's unit: `3.1 pp`, or `1.7` for a unitless diagnostic. */
export function formatMagnitude(x: number, metric: string): string {
  const unit = metricUnit(metric);
  return unit === '' ? formatAdaptive(Math.abs(x)) : `${formatAdaptive(Math.abs(x))} ${unit}`;
}

/** A signed difference with the metric's unit: `−3.1 pp`, `+1.7`. */
export function formatChange(x: number, metric: string): string {
  const unit = metricUnit(metric);
  const text = x > 0 ? `+${formatAdaptive(x)}` : formatAdaptive(x);
  return unit === '' ? text : `${text} ${unit}`;
}

/** The two-sided CI of the change, e.g. `[−5.2, −1.0] pp`. */
export function formatCi(low: number, high: number, metric: string): string {
  const unit = metricUnit(metric);
  const text = `[${formatAdaptive(low)}, ${formatAdaptive(high)}]`;
  return unit === '' ? text : `${text} ${unit}`;
}

/** A margin δ as declared: `1 pp`, `0.5 pp`, or `2` for a unitless diagnostic (three significant digits at most). */
export function formatMargin(margin: number, metric: string): string {
  const unit = metricUnit(metric);
  const text = String(Number(margin.toPrecision(3)));
  return unit === '' ? text : `${text} ${unit}`;
}

/** A count with thousands separators: `10,000`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Display label of a verdict: `harm shown`, `no harm beyond 1 pp` (with the margin when given, else
 * `no harm beyond δ`), `inconclusive`, `insufficient data`.
 */
export function verdictLabel(verdict: Verdict, margin: number | null = null, metric = 'accuracy'): string {
  switch (verdict) {
    case 'harm-shown':
      return 'harm shown';
    case 'no-harm-beyond-margin':
      return `no harm beyond ${margin === null ? 'δ' : formatMargin(margin, metric)}`;
    case 'inconclusive':
      return 'inconclusive';
    default:
      return 'insufficient data';
  }
}

/** What {@link interpretComparison} reads of a comparison. */
export type InterpretedComparison = Pick<
  ComparisonResult,
  'metric' | 'comparison' | 'bound' | 'margin' | 'verdict' | 'withinMargin' | 'trialsNeeded' | 'planningSd' | 'planningSdSource'
>;

function directionWords(alternative: Alternative): { noun: string; verb: string } {
  return alternative === 'less' ? { noun: 'drop', verb: 'fell' } : { noun: 'rise', verb: 'rose' };
}

function armSizes(nA: number, nB: number): string {
  return nA === nB ? `n = ${nA} per arm` : `n = ${nA} poisoned and ${nB} control trials`;
}

function planningSdWords(c: InterpretedComparison): string {
  if (c.planningSd === null) return '';
  const sd = formatMagnitude(c.planningSd, c.metric);
  return c.planningSdSource === 'calibration' ? ` (at the tier's calibrated sd of ${sd}, larger than these arms' own)` : ` (at these arms' pooled sd of ${sd})`;
}

function qOf(c: ResultsComparison | undefined): string {
  return c?.state === 'computed' ? formatPEquals('q', c.q) : 'q = —';
}

/**
 * One plain-English line for a comparison of a poisoned cell (arm A) with its control (arm B), by
 * verdict:
 * - harm shown: `Harm shown (ΔImp −3.1 pp, q = 0.0040, g = −3.5).`; when the margin test also
 *   rejected: `Harm shown, within the 1 pp margin (…): a real drop, smaller than δ.`
 * - no harm beyond δ: `No harm beyond 1 pp (ΔImp −0.1 pp; margin test q = 0.010, effect test q = 0.41).`
 * - inconclusive — always with the MDE and the trials that would decide it, so that a gate that ran
 *   on few trials is not read as proof of robustness: `Inconclusive (ΔImp −0.4 pp, q = 0.41; margin
 *   test q = 0.30): only a drop ≥ 6.2 pp was detectable with n = 3 per arm at 80% power; about 34
 *   trials per arm would decide it at δ = 1 pp (…).`
 * - insufficient data: names both arm sizes and says that there is no verdict.
 */
export function interpretComparison(c: InterpretedComparison): string {
  const { metric, comparison } = c;
  const label = metricLabel(metric);
  const { noun } = directionWords(comparison.alternative);
  if (comparison.state === 'insufficient-data') {
    return (
      `Insufficient data for ${label} (n = ${comparison.nA} poisoned, ${comparison.nB} control; ` +
      `Welch's test needs at least ${MIN_SAMPLES_PER_ARM} per arm): no verdict, neither a pass nor evidence of robustness.`
    );
  }
  const change = `${label} ${formatChange(comparison.diff, metric)}`;
  const q = formatPEquals('q', comparison.q);
  const marginText = c.margin === null ? null : formatMargin(c.margin, metric);
  if (c.verdict === 'harm-shown') {
    const g = typeof comparison.hedgesG === 'number' ? `, g = ${formatAdaptive(comparison.hedgesG)}` : '';
    if (c.withinMargin && marginText !== null) {
      return `Harm shown, within the ${marginText} margin (${change}, ${q}${g}; margin test ${qOf(c.bound)}): a real ${noun}, smaller than δ.`;
    }
    return `Harm shown (${change}, ${q}${g}).`;
  }
  if (c.verdict === 'no-harm-beyond-margin') {
    return `No harm beyond ${marginText ?? 'δ'} (${change}; margin test ${qOf(c.bound)}, effect test ${q}).`;
  }
  const head = marginText === null ? `Inconclusive (${change}, ${q}; no margin δ declared for ${label})` : `Inconclusive (${change}, ${q}; margin test ${qOf(c.bound)})`;
  const sizes = armSizes(comparison.nA, comparison.nB);
  const detectable =
    comparison.mde === 0
      ? `with ${sizes} and zero variance in both arms any ${noun} would have been detected`
      : `only a ${noun} ≥ ${formatMagnitude(comparison.mde, metric)} was detectable with ${sizes} at ${formatPower(comparison.power)} power`;
  let decide: string;
  if (marginText !== null) {
    decide =
      c.trialsNeeded !== null && c.trialsNeeded <= Math.min(comparison.nA, comparison.nB)
        ? `these trials are about what δ = ${marginText} needs (${formatCount(c.trialsNeeded)} per arm at ${formatPower(comparison.power)} power${planningSdWords(c).replace(/^ \((.*)\)$/, ', $1')}), yet the observed ${noun} lies between none and δ: more trials per arm would decide it`
        : c.trialsNeeded === null
        ? `more than ${formatCount(MAX_TRIALS_NEEDED)} trials per arm would be needed to decide it at δ = ${marginText}${planningSdWords(c)}`
        : `about ${formatCount(c.trialsNeeded)} trials per arm would decide it at δ = ${marginText}${planningSdWords(c)}`;
  } else {
    const shift = comparison.alternative === 'less' ? -comparison.diff : comparison.diff;
    decide =
      c.trialsNeeded !== null
        ? `about ${formatCount(c.trialsNeeded)} trials per arm would detect the observed ${noun} of ${formatMagnitude(comparison.diff, metric)}${planningSdWords(c)}; declare a margin to be able to show no harm`
        : shift > 0
          ? `more than ${formatCount(MAX_TRIALS_NEEDED)} trials per arm would be needed to detect the observed ${noun}; declare a margin to be able to show no harm`
          : `no ${noun} was observed, so only a margin δ could decide it`;
  }
  return `${head}: ${detectable}; ${decide}.`;
}
