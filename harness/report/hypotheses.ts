/**
 * The hypotheses a run tests, shared by the spec matchers and the report so both correct over the
 * same family. Each metric has a harm direction (where poisoning is expected to push it), and
 * "ΔImp below control" is the same hypothesis as "accuracy below control": ΔImp is accuracy minus
 * one constant (the random-baseline mean), so the two tests are identical and BH counts them once.
 */
import { benjaminiHochberg, type Alternative } from '../stats/index.js';

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

/** Identity of the hypothesis a comparison tests: ΔImp maps onto accuracy. */
export function hypothesisKey(cell: string, metric: string, alternative: Alternative): string {
  return `${cell}\u0000${metric === 'deltaImprovement' ? 'accuracy' : metric}\u0000${alternative}`;
}

/**
 * Benjamini–Hochberg q-values for tests that may repeat a hypothesis: each distinct key is
 * counted once (with the p-value of its first test) and every test of it gets its q.
 * Entries without a p-value (insufficient data) get undefined and stay out of the family.
 */
export function qValuesByHypothesis(tests: ReadonlyArray<{ key: string; p: number | undefined }>): Array<number | undefined> {
  const first = new Map<string, number>();
  for (const t of tests) if (t.p !== undefined && !first.has(t.key)) first.set(t.key, t.p);
  const keys = [...first.keys()];
  const q = benjaminiHochberg(keys.map((k) => first.get(k)!));
  const qOf = new Map(keys.map((k, i) => [k, q[i]!] as const));
  return tests.map((t) => (t.p === undefined ? undefined : qOf.get(t.key)));
}

/** Number of distinct hypotheses with a p-value. */
export function familySize(tests: ReadonlyArray<{ key: string; p: number | undefined }>): number {
  return new Set(tests.filter((t) => t.p !== undefined).map((t) => t.key)).size;
}

/**
 * The decision rule, the same for matchers and reports: significant exactly when the comparison
 * was computed and its q-value (its p-value before correction) is ≤ α — BH rejects p₍ᵢ₎ ≤ iα/m.
 */
export function isSignificant(comparison: { state: string; p?: number; q?: number }, alpha: number): boolean {
  if (comparison.state !== 'computed') return false;
  const value = comparison.q ?? comparison.p;
  return value !== undefined && value <= alpha;
}
