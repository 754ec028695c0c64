import 'vitest';

interface SignificanceMatchers<R = unknown> {
  /**
   * One-sided Welch test that the received metric's mean is below the expected metric's, with a
   * Benjamini–Hochberg q-value over the matrix's family (α from the matrix, default 0.05).
   */
  toBeSignificantlyBelow(expected: unknown): R;
  /** As {@link toBeSignificantlyBelow}, for a mean above. */
  toBeSignificantlyAbove(expected: unknown): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends SignificanceMatchers<T> {}
}
