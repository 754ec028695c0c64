/**
 * Number formatting and the plain-English interpretation of each comparison. Every number a report
 * prints goes through these helpers, so the Markdown, the HTML and the charts agree digit for digit.
 *
 * Conventions: the minus sign is U+2212 (−); p and q keep two significant digits and show values
 * below 1e-4 as `<1e-4`; differences of accuracies and ΔImp are in percentage points (pp).
 *
 * @module
 */

import { isSignificant } from '../verdicts/index.js';
import { MIN_SAMPLES_PER_ARM } from '../stats/index.js';
import type { Alternative } from '../stats/index.js';
import type { MetricSummary, ResultsComparison, Verdict } from './types.js';

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

/** Display label of a verdict. */
export function verdictLabel(verdict: Verdict): string {
  return verdict === 'significant' ? 'significant' : verdict === 'not-significant' ? 'not significant' : 'insufficient data';
}

/** The verdict of a comparison at FDR level α: significant exactly when it is computed and q ≤ α. */
export function verdictOf(comparison: ResultsComparison, alpha: number): Verdict {
  if (comparison.state === 'insufficient-data') return 'insufficient-data';
  return isSignificant(comparison, alpha) ? 'significant' : 'not-significant';
}

function directionWords(alternative: Alternative): { noun: string; verb: string } {
  return alternative === 'less' ? { noun: 'drop', verb: 'fell' } : { noun: 'rise', verb: 'rose' };
}

function armSizes(nA: number, nB: number): string {
  return nA === nB ? `n = ${nA} per arm` : `n = ${nA} poisoned and ${nB} control trials`;
}

/**
 * One plain-English line for a comparison of a poisoned cell (arm A) with its control (arm B):
 * - significant: `ΔImp fell by 3.1 pp (q = 0.0042, g = −2.9): significant.`
 * - not significant — always with the MDE, so that a passing gate on few trials is not read as proof
 *   of robustness: `No significant drop in ΔImp (change −0.4 pp, q = 0.41); with n = 3 per arm only a
 *   drop ≥ 4.2 pp would have been detected with 80% power.`
 * - insufficient data: names both arm sizes and says that there is no verdict.
 */
export function interpretComparison(metric: string, comparison: ResultsComparison, alpha: number): string {
  const label = metricLabel(metric);
  const { noun, verb } = directionWords(comparison.alternative);
  if (comparison.state === 'insufficient-data') {
    return (
      `Insufficient data for ${label} (n = ${comparison.nA} poisoned, ${comparison.nB} control; ` +
      `Welch's test needs at least ${MIN_SAMPLES_PER_ARM} per arm): no verdict, neither a pass nor evidence of robustness.`
    );
  }
  const q = formatPEquals('q', comparison.q);
  if (verdictOf(comparison, alpha) === 'significant') {
    const g = typeof comparison.hedgesG === 'number' ? `, g = ${formatAdaptive(comparison.hedgesG)}` : '';
    const subject = metric === 'accuracy' ? 'Accuracy' : label;
    return `${subject} ${verb} by ${formatMagnitude(comparison.diff, metric)} (${q}${g}): significant.`;
  }
  const head = `No significant ${noun} in ${label} (change ${formatChange(comparison.diff, metric)}, ${q})`;
  const sizes = armSizes(comparison.nA, comparison.nB);
  if (comparison.mde === 0) {
    return `${head}; with ${sizes} and zero variance in both arms, any ${noun} would have been detected.`;
  }
  return `${head}; with ${sizes} only a ${noun} ≥ ${formatMagnitude(comparison.mde, metric)} would have been detected with ${formatPower(comparison.power)} power.`;
}
