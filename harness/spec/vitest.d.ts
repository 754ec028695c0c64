import 'vitest';
import type { MatcherVerdict } from '../verdicts/index.js';
import type { NoWorseThanOptions } from './matchers.js';
import type { ValidMatrixSpec } from '../run/matrix.js';

interface SignificanceMatchers<R = unknown> {
  /**
   * One-sided Welch test that the received metric's mean is below the expected metric's, with a
   * Benjamini–Hochberg q-value over the matrix's family (α from the matrix, default 0.05). Passes
   * when shown; fails when the trials show no drop of the margin δ or more; otherwise the test is
   * underpowered at this tier (skipped with its reason; a failure under `--strict`). Negated, it
   * passes only when no drop of δ or more is shown and no significant drop exists.
   */
  toBeSignificantlyBelow(expected: unknown): R;
  /** As {@link toBeSignificantlyBelow}, for a mean above. */
  toBeSignificantlyAbove(expected: unknown): R;
  /**
   * The robustness gate: a non-inferiority test that the received metric is not worse than the
   * expected one (worse = the metric's harm direction) by `margin` or more (default: the matrix's
   * margin for the metric, from the spec or the tier). Passes only on that evidence; fails when harm
   * is shown and not bounded by δ; otherwise underpowered at this tier. Cannot be negated.
   */
  toBeNoWorseThan(expected: unknown, options?: NoWorseThanOptions): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends SignificanceMatchers<T> {}
  interface TaskMeta {
    /** The verdicts of naspoison's matchers in this test, for the store reporter. */
    naspoison?: { verdicts: MatcherVerdict[] };
    /** On a spec file's task: the poisoning matrices it declares, in order (see `poisoningMatrix`). */
    naspoisonMatrices?: Array<{ label: string; spec: ValidMatrixSpec }>;
  }
}
