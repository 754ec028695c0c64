/**
 * Benjamini–Hochberg over a family of tests that may repeat a hypothesis (ΔImp and accuracy against
 * the same control): each distinct key is counted once, with the p-value of its first test.
 */
import { benjaminiHochberg } from '../stats/index.js';

/** A test in a family: its hypothesis key and p-value (undefined: insufficient data). */
export interface FamilyTest {
  readonly key: string;
  readonly p: number | undefined;
}

/**
 * q-values for `tests`, in order. Entries without a p-value get undefined and stay out of the
 * family (they do not raise m).
 */
export function qValuesByHypothesis(tests: readonly FamilyTest[]): Array<number | undefined> {
  const first = new Map<string, number>();
  for (const t of tests) if (t.p !== undefined && !first.has(t.key)) first.set(t.key, t.p);
  const keys = [...first.keys()];
  const q = benjaminiHochberg(keys.map((k) => first.get(k)!));
  const qOf = new Map(keys.map((k, i) => [k, q[i]!] as const));
  return tests.map((t) => (t.p === undefined ? undefined : qOf.get(t.key)));
}

/** Number of distinct hypotheses with a p-value. */
export function familySize(tests: readonly FamilyTest[]): number {
  return new Set(tests.filter((t) => t.p !== undefined).map((t) => t.key)).size;
}
