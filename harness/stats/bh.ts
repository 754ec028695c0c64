/**
 * Benjamini–Hochberg (BH) false-discovery-rate adjustment.
 *
 * @module
 */

import type { Comparison } from './types.js';

/**
 * BH step-up q-values: q₍ᵢ₎ = min_{j ≥ i} min(1, m · p₍ⱼ₎ / j) over the p-values sorted ascending,
 * returned in the input order. Monotone in p, capped at 1, ties get equal q. Identical to R's
 * `p.adjust(p, method = 'BH')` and `scipy.stats.false_discovery_control(p, method = 'bh')`.
 * Rejecting every hypothesis with q ≤ α controls the FDR at α for independent (or positively
 * dependent) tests.
 *
 * @param pValues - p-values in [0, 1]; an empty array gives an empty array.
 * @throws RangeError naming the index of a value outside [0, 1] or NaN.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`benjaminiHochberg: p-value ${i} must be in [0, 1], got ${p}`);
  });
  const order = pValues.map((_, i) => i).sort((i, j) => (pValues[i] as number) - (pValues[j] as number));
  const q = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const index = order[rank - 1] as number;
    running = Math.min(running, ((pValues[index] as number) * m) / rank);
    q[index] = running;
  }
  return q;
}

/**
 * Applies {@link benjaminiHochberg} over a family of comparisons and returns the family in the same
 * order, each computed comparison copied with its `q` set (replacing any earlier `q`). Comparisons in
 * the `'insufficient-data'` state are not members of the family (they have no p-value and do not
 * raise m) and are returned untouched (the same objects).
 */
export function applyBenjaminiHochberg<C extends Comparison>(family: readonly C[]): C[] {
  const members: number[] = [];
  const pValues: number[] = [];
  family.forEach((c, i) => {
    if (c.state === 'computed') {
      members.push(i);
      pValues.push(c.p);
    }
  });
  const q = benjaminiHochberg(pValues);
  const result = [...family];
  members.forEach((familyIndex, k) => {
    const c = family[familyIndex] as C;
    result[familyIndex] = { ...c, q: q[k] as number };
  });
  return result;
}
