/**
 * What a run stores about its assertions and matrices for the reports: written by the spec layer
 * (the store reporter and the matrix recorder), read by harness/report. JSON-serialisable.
 */
import type { Verdict } from './decide.js';

/**
 * How an assertion (a vitest test of a spec file) ended: `failed` — an assertion (a matcher or a
 * plain `expect`) failed; `errored` — the test threw something else, or never ran because a hook
 * of its suite (the matrix's trials) or its file failed; `skipped` — skipped on purpose, with the
 * reason; `underpowered` — its verdict was undecided at this tier.
 */
export type AssertionStatus = 'passed' | 'failed' | 'errored' | 'underpowered' | 'skipped';

/** One matcher call inside an assertion, with the verdict it rested on. */
export interface MatcherVerdict {
  /** `toBeSignificantlyBelow`, `toBeSignificantlyAbove`, `toBeNoWorseThan`. */
  readonly matcher: string;
  /** Whether it was negated (`expect(…).not.…`). */
  readonly isNot: boolean;
  /** Label of the tested sample, e.g. `ΔImp at 50% random-label-flip (pdarts)`. */
  readonly sample: string;
  /** Label of the reference sample, e.g. `ΔImp of the clean control (pdarts)`. */
  readonly reference: string;
  /** Metric compared (`accuracy`, `deltaImprovement`, a diagnostic). */
  readonly metric: string;
  readonly verdict: Verdict;
  /** Whether the trials decided the assertion (pass or fail); false: underpowered at this tier. */
  readonly decided: boolean;
  /** Non-inferiority margin δ used, in the metric's unit; null when none applies. */
  readonly margin: number | null;
  /** p and q of the effect test (null with insufficient data). */
  readonly p: number | null;
  readonly q: number | null;
  /** p and q of the margin test, when there is one. */
  readonly marginP: number | null;
  readonly marginQ: number | null;
  /** Minimum detectable shift at the n that ran (power 0.8, α before correction). */
  readonly mde: number | null;
  /** Trials per arm that would decide it (see `Decision.trialsNeeded`). */
  readonly trialsNeeded: number | null;
  /** n of the tested and reference arms. */
  readonly nA: number;
  readonly nB: number;
  /** The matcher's full sentence (numbers, tests, verdict). */
  readonly text?: string;
}

/** One assertion of a run. */
export interface AssertionRecord {
  /** Spec file, relative to the project root. */
  readonly file: string;
  /** Full test name (describe › test). */
  readonly name: string;
  readonly status: AssertionStatus;
  /** Why it ended so: the failure message, the underpowered note, or the passing verdict. */
  readonly message: string;
  /** The matcher verdicts it rested on (empty for a plain `expect` or a test that threw first). */
  readonly verdicts: readonly MatcherVerdict[];
}

/** The assertions of one run, as the store reporter writes them (cache namespace `run-assertions.v2`, key: run id). */
export interface RunAssertions {
  readonly runId: string;
  /** `--strict`: underpowered assertions counted as failures. */
  readonly strict: boolean;
  readonly assertions: readonly AssertionRecord[];
}

/** How an undecided assertion's message (vitest skip note or strict failure) begins. */
export const UNDERPOWERED_NOTE = 'underpowered at this tier';

/** Cache namespace of {@link RunAssertions}. */
export const RUN_ASSERTIONS_NAMESPACE = 'run-assertions.v2';
