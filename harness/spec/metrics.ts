/**
 * Metrics a spec can assert on and the family of hypotheses a matrix tests. Each metric has a harm
 * direction — the direction poisoning is expected to push it — and a matrix's Benjamini–Hochberg
 * family is every poisoned arm × tracked metric in that direction, known before any assertion runs
 * (so a q-value never depends on the order in which tests execute).
 */

export { CORE_METRICS, HARM_DIRECTION, harmDirection } from '../verdicts/index.js';

/** Value of `metric` in a trial: a core field or a numeric diagnostic. */
export function metricValue(trial: { accuracy: number | null; deltaImprovement: number | null; diagnostics: Record<string, unknown> }, metric: string): number | undefined {
  const value = metric === 'accuracy' ? trial.accuracy : metric === 'deltaImprovement' ? trial.deltaImprovement : trial.diagnostics[metric];
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Units for messages. */
export function metricUnit(metric: string): string {
  return metric === 'accuracy' ? '%' : metric === 'deltaImprovement' ? ' pp' : '';
}

/** Readable names. */
export function metricLabel(metric: string): string {
  return metric === 'deltaImprovement' ? 'ΔImp' : metric === 'accuracy' ? 'Acc' : metric;
}
