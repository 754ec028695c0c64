/**
 * Where poisoning is expected to push each metric (its harm direction), and the identity of a
 * hypothesis. "ΔImp below control" is the same hypothesis as "accuracy below control": ΔImp is
 * accuracy minus one constant (the random-baseline mean), so the two tests are identical and a
 * Benjamini–Hochberg family counts them once.
 */
import type { Alternative } from '../stats/index.js';

/** Metrics every trial has, tested in every family. */
export const CORE_METRICS = ['accuracy', 'deltaImprovement'] as const;

/** Direction of harm: accuracy and ΔImp fall; collapse indicators (skip-connects…) rise. */
export const HARM_DIRECTION: Readonly<Record<string, Alternative>> = {
  accuracy: 'less',
  deltaImprovement: 'less',
  skipConnections: 'greater',
  parameterFreeOps: 'greater',
  noneEdges: 'greater',
  convOps: 'less',
};

/** The harm direction of a metric (diagnostics not listed are assumed to fall under harm). */
export function harmDirection(metric: string): Alternative {
  return HARM_DIRECTION[metric] ?? 'less';
}

/** The other direction. */
export function opposite(alternative: Alternative): Alternative {
  return alternative === 'less' ? 'greater' : 'less';
}

/** The metric a hypothesis is about: ΔImp maps onto accuracy (they differ by a constant). */
export function hypothesisMetric(metric: string): string {
  return metric === 'deltaImprovement' ? 'accuracy' : metric;
}

/** Identity of the hypothesis a comparison tests: ΔImp maps onto accuracy. */
export function hypothesisKey(cell: string, metric: string, alternative: Alternative): string {
  return `${cell}\u0000${hypothesisMetric(metric)}\u0000${alternative}`;
}
