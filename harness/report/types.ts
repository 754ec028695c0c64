/**
 * Public shapes of harness/report: the **results JSON** (`RunResults`) that a run writes and every
 * report, chart and leaderboard is rendered from. The JSON Schema in `results.schema.json` describes
 * the same shape; `validateResults` checks both the schema and the rules a schema cannot express.
 *
 * Units: accuracies and random-baseline numbers are in **percent** (0–100); ΔImp and differences of
 * accuracies are in **percentage points (pp)**; diagnostics keep their own units.
 * Abbreviations (n, sd, p, q, g, CI, MDE, α) are those of harness/stats (see its `types.ts`).
 *
 * @module
 */

import type { Alternative, ComputedComparison, InsufficientComparison } from '../stats/index.js';
import type { EnvironmentFingerprint } from '../store/types.js';

/** Version of the results-JSON shape this module reads and writes. */
export const RESULTS_SCHEMA_VERSION = 1;

/** Verdict of one comparison after the Benjamini–Hochberg correction over the run. */
export type Verdict = 'significant' | 'not-significant' | 'insufficient-data';

/** Metric names with a built-in meaning; any numeric diagnostic name is accepted too. */
export type CoreMetric = 'accuracy' | 'deltaImprovement';

/**
 * A number that may be infinite: JSON has no ±Infinity (`JSON.stringify` would silently write
 * `null`), so infinite values are written as the strings `"Infinity"` / `"-Infinity"`.
 * Only Welch's t and Hedges' g can be infinite (both arms with zero variance and different means).
 */
export type JsonNumber = number | 'Infinity' | '-Infinity';

/** The dataset the run searched on and evaluated with. */
export interface DatasetInfo {
  /** Dataset name, e.g. `fashion-mnist`. */
  readonly name: string;
  /** Where the files came from (path, package or URL), e.g. `apt:dataset-fashion-mnist`. */
  readonly source: string;
  /** Content hash of the clean dataset (the `datasetHash` of every trial row). */
  readonly hash: string;
  /** Training-set size (the search set before poisoning; poisons replace samples). */
  readonly trainSize: number;
  /** Test-set size. */
  readonly testSize: number;
  /** Side length of the (square) images fed to the networks, in pixels. */
  readonly resolution: number;
}

/** Who, what, where and how of a run. */
export interface RunInfo {
  /** Run identifier (unique per results file). */
  readonly id: string;
  /** Human title of the report. */
  readonly title?: string;
  /** Tier the run used (smoke | standard | paper | custom name). */
  readonly tier: string;
  /** ISO 8601 timestamp of when the results were assembled. */
  readonly createdAt: string;
  /** Command line that produced the run. */
  readonly command?: string;
  /** Code version: git commit (with `-dirty`) or package version. */
  readonly codeVersion: string;
  /** Machine and software the trials ran on. */
  readonly environment: EnvironmentFingerprint;
  /** Dataset of the run. */
  readonly dataset: DatasetInfo;
  /** FDR level α: a comparison is significant when q ≤ α. Also the CIs' and MDE's level. */
  readonly alpha: number;
  /** Power at which the MDEs were computed (default 0.8). */
  readonly power: number;
  /** Multiple-comparison correction applied to the p-values. */
  readonly correction: 'benjamini-hochberg';
  /** What the BH family was, e.g. "all 9 computed comparisons in this run". */
  readonly family: string;
}

/** The random-sampling baseline ΔImp is measured against (accuracies in percent). */
export interface RandomBaselineSummary {
  /** Number of random architectures trained and evaluated. */
  readonly samples: number;
  /** Mean clean test accuracy of the random architectures, in percent. */
  readonly mean: number;
  /** Sample sd of those accuracies, in percent; `null` for a single sample. */
  readonly sd: number | null;
  /** Training recipe name shared by the random and the NAS architectures. */
  readonly recipe: string;
  /** Search space the random architectures were drawn from, e.g. `nas-bench-201`. */
  readonly space?: string;
}

/** Mean, sd and every value of one metric in one cell. */
export interface MetricSummary {
  /** Mean of `values`; `null` when there are none. */
  readonly mean: number | null;
  /** Sample sd (n − 1 denominator); `null` for fewer than two values. */
  readonly sd: number | null;
  /** One value per completed trial, in trial order. */
  readonly values: readonly number[];
}

/** One cell of the matrix: a (NAS, attack, budget, defence) configuration and its trials. */
export interface CellResult {
  /** Cell identifier, `nas/attack/budget/defence` (see `cellId`). Comparisons refer to it. */
  readonly id: string;
  /** NAS algorithm (registry name). */
  readonly nas: string;
  /** Attack name; `clean` for the control arm. */
  readonly attack: string;
  /** Poisoning budget p in [0, 1); 0 for the control. */
  readonly budget: number;
  /** Defence name, or `none`. */
  readonly defence: string;
  /** Number of completed trials (the sample size of `accuracy` and `deltaImprovement`). */
  readonly n: number;
  /** Number of errored trials (kept in `trialKeys`, excluded from every statistic). */
  readonly errored: number;
  /** Clean test accuracy of the retrained architectures, in percent. */
  readonly accuracy: MetricSummary;
  /** ΔImp = accuracy − random-baseline mean, in pp. */
  readonly deltaImprovement: MetricSummary;
  /** Numeric search diagnostics (skip-connect count, search time…), summarised per name. */
  readonly diagnostics: Readonly<Record<string, MetricSummary>>;
  /** Store keys of every trial of the cell (completed first, then errored), for tracing numbers back. */
  readonly trialKeys: readonly string[];
}

/**
 * A computed Welch comparison as stored in the results JSON: the stats `ComputedComparison` with q
 * always present and t and g as {@link JsonNumber} (they can be infinite).
 */
export type ResultsComputedComparison = Omit<ComputedComparison, 't' | 'hedgesG' | 'q'> & {
  readonly t: JsonNumber;
  readonly hedgesG: JsonNumber;
  /** BH-adjusted p-value over the run's family. */
  readonly q: number;
};

/** The harness/stats `Comparison`, in its JSON form. Arm A is the poisoned cell, arm B its control. */
export type ResultsComparison = ResultsComputedComparison | InsufficientComparison;

/** One poisoned cell tested against its control on one metric. */
export interface ComparisonResult {
  /** Identifier, `cellId:metric`. */
  readonly id: string;
  /** Id of the tested (poisoned) cell: arm A. */
  readonly cell: string;
  /** Id of the control cell: arm B. */
  readonly control: string;
  /** `accuracy`, `deltaImprovement`, or a diagnostic name such as `skipConnections`. */
  readonly metric: string;
  /** H₁ direction: `less` = the poisoned arm is below the control. */
  readonly alternative: Alternative;
  /** The Welch test, with q after BH across the run. */
  readonly comparison: ResultsComparison;
  /** `significant` exactly when the comparison is computed and q ≤ α. */
  readonly verdict: Verdict;
  /** One plain-English line; for not-significant verdicts it always states the MDE. */
  readonly interpretation: string;
}

/** A spec-file assertion and how it ended. */
export interface AssertionResult {
  /** Spec file, relative to the repository root. */
  readonly file: string;
  /** Test name. */
  readonly name: string;
  readonly status: 'passed' | 'failed';
  /** Matcher message (why it passed or failed). */
  readonly message: string;
}

/** Everything a report is rendered from: the results JSON. */
export interface RunResults {
  /** Version of this JSON shape (`RESULTS_SCHEMA_VERSION`). */
  readonly schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  /** Version of the benchmark protocol; leaderboards only combine runs with the same version. */
  readonly protocolVersion: string;
  readonly run: RunInfo;
  readonly randomBaseline: RandomBaselineSummary;
  /** One entry per (nas, attack, budget, defence), controls included (attack `clean`, budget 0). */
  readonly cells: readonly CellResult[];
  /** Every poisoned-vs-control test of the run (the BH family). */
  readonly comparisons: readonly ComparisonResult[];
  /** Spec-file assertions, when the run came from spec files. */
  readonly assertions?: readonly AssertionResult[];
}

/** One schema or consistency violation found by `validateResults`. */
export interface ResultsIssue {
  /** JSON path of the offending value, e.g. `$.cells[2].accuracy.mean`. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/** Paths of the files `renderReport` wrote. */
export interface RenderedReport {
  readonly markdown: string;
  readonly html: string;
  readonly json: string;
}
