/**
 * Kendall's rank correlation τ-b, the tie-corrected form (Kendall 1945) that `scipy.stats.kendalltau`
 * computes by default. Used for the rank correlation between a NAS method's selection signal and
 * clean accuracy on a fixed panel of cells.
 *
 * @module
 */

/**
 * Kendall's τ-b of two paired samples:
 *
 * τ-b = (C − D) / √((n₀ − n₁)(n₀ − n₂)),
 *
 * where C and D count the concordant and discordant pairs, n₀ = n(n − 1)/2, and n₁, n₂ count the
 * pairs tied in `x` and in `y` respectively (a pair tied in both counts in both). Ties are handled:
 * a pair tied in either sample is neither concordant nor discordant. O(n²), meant for panels of
 * tens of cells.
 *
 * Degenerate inputs, as scipy: fewer than 2 pairs, or a sample that is constant (every pair tied,
 * so the denominator is 0), give `NaN` — there is no ranking to correlate. With n = 2 the value is
 * +1, −1 or NaN.
 *
 * @param x - first sample (finite numbers)
 * @param y - second sample, paired with `x` (same length)
 * @returns τ-b in [−1, 1], or NaN for the degenerate inputs above
 * @throws RangeError when the lengths differ or a value is not finite
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`kendallTauB: the samples differ in length (${x.length} vs ${y.length})`);
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new RangeError(`kendallTauB: pair ${i} (${x[i]}, ${y[i]}) is not finite`);
  }
  if (n < 2) return Number.NaN;
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[j]! - x[i]!);
      const dy = Math.sign(y[j]! - y[i]!);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant++;
        else discordant++;
      }
    }
  }
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  if (denominator === 0) return Number.NaN;
  // Rounding can put |τ| a hair above 1 only in theory (integer counts); clamp for safety.
  return Math.max(-1, Math.min(1, (concordant - discordant) / denominator));
}
