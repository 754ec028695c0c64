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

import type { ArmSequentialRecord } from '../verdicts/index.js';
import type { Alternative, ComputedComparison, InsufficientComparison } from '../stats/index.js';
import type { EnvironmentFingerprint } from '../store/types.js';
import type { AssertionRecord, Verdict } from '../verdicts/index.js';

export type { AssertionRecord, AssertionStatus, MatcherVerdict, Verdict } from '../verdicts/index.js';

/**
 * Version of the results-JSON shape this module reads and writes. 2: three verdicts (harm shown /
 * no harm beyond δ / inconclusive) with margin tests, assertion records with `underpowered`,
 * calibration and method sections.
 */
export const RESULTS_SCHEMA_VERSION = 2;

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
  /**
   * Exit code the run ended with (0: no decided assertion failed; 1: an assertion failed or errored,
   * or the run failed). Absent while the run is going, or for results not built from a finished run.
   */
  readonly exitCode?: number;
  /** Code version: git commit (with `-dirty`) or package version. */
  readonly codeVersion: string;
  /** Machine and software the trials ran on. */
  readonly environment: EnvironmentFingerprint;
  /** Dataset of the run. */
  readonly dataset: DatasetInfo;
  /** FDR level α: a test rejects when its q ≤ α. Also the CIs' and MDE's level. */
  readonly alpha: number;
  /** Power at which the MDEs were computed (default 0.8). */
  readonly power: number;
  /** Multiple-comparison correction applied to the p-values. */
  readonly correction: 'benjamini-hochberg';
  /**
   * What the BH families were: the effect tests form one family and the margin tests another (ΔImp
   * and accuracy against the same control count once in each).
   */
  readonly family: string;
  /** `--strict`: underpowered assertions were counted as failures. Absent: false. */
  readonly strict?: boolean;
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

/** Where the sd behind `trialsNeeded` came from (see `Decision.planningSdSource` in harness/verdicts). */
export type PlanningSdSource = 'calibration' | 'observed';

/**
 * One poisoned cell tested against its control on one metric: the effect test (harm in the
 * metric's harm direction) and, when a margin δ is declared, the margin test (no harm of δ or
 * more), each with q from its own run-wide BH family, and the verdict `decide` gives.
 */
export interface ComparisonResult {
  /** Identifier, `cellId:metric`. */
  readonly id: string;
  /** Id of the tested (poisoned) cell: arm A. */
  readonly cell: string;
  /** Id of the control cell: arm B. */
  readonly control: string;
  /** `accuracy`, `deltaImprovement`, or a diagnostic name such as `skipConnections`. */
  readonly metric: string;
  /** The metric's harm direction (`harmDirection`); `less` = harm lowers it. H₁ of the effect test. */
  readonly alternative: Alternative;
  /** The effect test (Δ₀ = 0, H₁ in `alternative`), with q over the run's effect-test family. */
  readonly comparison: ResultsComparison;
  /** Non-inferiority margin δ in the metric's unit; null when none is declared for the metric. */
  readonly margin: number | null;
  /**
   * The margin test (H₁: not worse than the control by δ or more; Δ₀ = ∓δ, the opposite
   * direction), with q over the run's margin-test family. Absent exactly when `margin` is null.
   */
  readonly bound?: ResultsComparison;
  /** `decide`'s verdict from the two tests' q-values and α. */
  readonly verdict: Verdict;
  /** The margin test rejected: no harm of δ or more (also true for a harm shown smaller than δ). */
  readonly withinMargin: boolean;
  /** Trials per arm that would decide it (see `Decision.trialsNeeded`); null when none applies. */
  readonly trialsNeeded: number | null;
  /** The sd behind `trialsNeeded`; null with insufficient data. */
  readonly planningSd: number | null;
  readonly planningSdSource: PlanningSdSource | null;
  /** One plain-English line; inconclusive verdicts always state the MDE and the trials needed. */
  readonly interpretation: string;
}

/** A NAS method as the run ran it, and where the tier departs from its published settings. */
export interface MethodInfo {
  /** NAS method (registry name). */
  readonly nas: string;
  readonly description: string;
  /** Each deviation of this tier from the published settings (written by the plugin); empty: none. */
  readonly deviations: readonly string[];
}

/** A tier's calibration (accuracies in percent, sds and headroom in pp), as the report shows it. */
export interface CalibrationInfo {
  readonly tier: string;
  /** Evaluation recipe the calibration trained with. */
  readonly recipe: string;
  /** The random baseline cells (one seed each). */
  readonly random: { readonly n: number; readonly mean: number; readonly sd: number };
  /** One cell under n seeds: the seed noise of a single architecture. */
  readonly seedNoise: { readonly cell: string; readonly n: number; readonly sd: number; readonly mean: number };
  /** Reference cells under the same seeds. */
  readonly references: readonly { readonly name: string; readonly genotype: string; readonly n: number; readonly mean: number; readonly sd: number | null }[];
  /** Best reference mean − random mean, pp. */
  readonly headroom: number;
  readonly createdAt: string;
}

/**
 * One poisoned arm of a sequential matrix (`trials: { min, max }`, harness/run/sequential.ts): its
 * design, looks, stop and stagewise-adjusted p-values, as the spec layer stored them, plus the id
 * of the cell it belongs to. The accuracy and ΔImp comparisons of that cell use `adjustedHarmP` as
 * the effect test's p and `adjustedMarginP` as the margin test's p (when not null), before the
 * Benjamini–Hochberg correction — as the spec file's verdicts do.
 */
export type SequentialArmResult = ArmSequentialRecord & {
  /** Id of the poisoned cell (`nas/attack/budget/defence`) this arm is. */
  readonly cell: string;
};

/**
 * One training-free metric of a sensitivity table: how much the attack moved it, cell by cell, as
 * the relative change (poisoned − clean) / |clean| of its value on the same images.
 */
export interface SensitivityMetricResult {
  /** Metric name (harness/proxies), e.g. `snip`, `ntk`. */
  readonly metric: string;
  /** Whether the metric reads labels (label flipping can move only these). */
  readonly usesLabels: boolean;
  /**
   * Relative change per panel cell, in panel order (a fraction: 0.1 = +10 %): the cell's mean over
   * its batches on the poisoned images and labels against the same on the clean ones. `null` where
   * it is undefined: the clean mean is 0 or either mean is not finite, and the two are not
   * bit-identical (bit-identical values are a change of exactly 0).
   */
  readonly changes: readonly (number | null)[];
  /** Cells with a defined change (the non-null entries of `changes`). */
  readonly n: number;
  /** Mean of the defined changes; null when there are none. */
  readonly mean: number | null;
  /** Their sd (n − 1 denominator); null below two. */
  readonly sd: number | null;
  /** Two-sided t confidence interval of the mean at the table's `confidence`; null below n = 2. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** Largest |change| over the defined changes; null when there are none. */
  readonly maxAbsChange: number | null;
  /** Panel cells whose metric values were bit-identical, clean against poisoned, on every batch. */
  readonly bitIdentical: number;
  /** Why the metric could not be computed (its first failure; then every change is null). Absent: it was. */
  readonly error?: string;
}

/**
 * A metric-sensitivity table (the study's Table 2): training-free metrics of a fixed, seeded panel
 * of NB201 cells at initialisation, computed on batches of training images with their clean labels
 * and on the same images taken from the poisoned training set.
 */
export interface SensitivityTable {
  /** Spec file that declared it, relative to the project root. */
  readonly file: string;
  /** e.g. `random-label-flip at 50%`. */
  readonly label: string;
  readonly attack: string;
  /** Poisoned fraction p of the training set. */
  readonly budget: number;
  /** Seed of the poison, the panel, the batches and the initialisations. */
  readonly seed: number;
  /** Content hash of the poison the batches were taken from. */
  readonly poisonHash: string;
  /** Size of the panel's networks (the tier's evaluation network). */
  readonly network: { readonly channels: number; readonly cellsPerStage: number };
  /** Images per batch. */
  readonly batchSize: number;
  /** Batches per cell (the cell's value is the mean over them). */
  readonly batches: number;
  /** Level of the confidence intervals, e.g. 0.95. */
  readonly confidence: number;
  /** The panel: NB201 genotype strings, in order. */
  readonly cells: readonly string[];
  readonly metrics: readonly SensitivityMetricResult[];
}

/** Mean and range of one per-trial quantity over the trials that define it. */
export interface RangeSummary {
  /** Trials with a defined value (a precision is undefined when a defence removed nothing). */
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/**
 * One defended poisoned cell (nas, attack, budget, defence) read against its undefended twin
 * (same nas, attack and budget, defence `none`) and the clean control of the same NAS. ΔImp in pp.
 */
export interface DefenceRow {
  /** Id of the defended cell. */
  readonly cell: string;
  /** Id of the undefended twin; null when the run has none. */
  readonly undefended: string | null;
  /** Id of the undefended clean control; null when the run has none. */
  readonly control: string | null;
  readonly nas: string;
  readonly attack: string;
  readonly budget: number;
  /** The defence arm's label, e.g. `loss-sanitisation(fraction=0.3)`. */
  readonly defence: string;
  /** The defence read the poison (an oracle): its numbers are an upper bound, not a deployable defence. */
  readonly oracle: boolean;
  /** Completed trials of the defended cell. */
  readonly n: number;
  /** Share of the removed samples that were poisons (0..1); null when no trial defines it. */
  readonly precision: RangeSummary | null;
  /** Share of the poisons that were removed (0..1); null when no trial defines it. */
  readonly recall: RangeSummary | null;
  /** Samples removed per trial; null when the trials do not say. */
  readonly removed: RangeSummary | null;
  /** Poisons among them per trial; null when the trials do not say. */
  readonly poisonsRemoved: RangeSummary | null;
  /** Mean ΔImp of the defended cell, its undefended twin and the clean control (null where absent). */
  readonly deltaImprovement: { readonly defended: number | null; readonly undefended: number | null; readonly clean: number | null };
  /** ΔImp the attack cost: clean − undefended mean, pp; null without both arms. */
  readonly lost: number | null;
  /**
   * The recovery test: one-sided Welch of the defended ΔImp (arm A) against the undefended ΔImp
   * (arm B), H₁ defended > undefended; `diff` is the recovered ΔImp with its two-sided (1 − α) CI,
   * q is BH over the run's recovery tests (their own family). Null without an undefended twin.
   */
  readonly recovery: ResultsComparison | null;
  /** (defended − undefended) / (clean − undefended); null when the gap is not positive or an arm is missing. */
  readonly shareOfGap: number | null;
  /** The recovery test rejects at the run's α (q ≤ α). */
  readonly recovered: boolean;
  /** One plain-English line; never claims a recovery the test does not show. */
  readonly interpretation: string;
}

/** The defences section: one row per defended poisoned cell. */
export interface DefenceSection {
  /** How the recovery tests were corrected (their own BH family). */
  readonly family: string;
  readonly rows: readonly DefenceRow[];
}

/** The poison diagnostics of one undefended poisoned cell: per key, its mean over the trials. */
export interface AttackDiagnosticsRow {
  /** Id of the undefended poisoned cell. */
  readonly cell: string;
  readonly nas: string;
  readonly budget: number;
  /** Completed trials of the cell. */
  readonly n: number;
  /** Mean per key of the table (null where this cell's trials lack it). */
  readonly means: Readonly<Record<string, number | null>>;
}

/** One attack's poison diagnostics over its cells. */
export interface AttackDiagnosticsTable {
  readonly attack: string;
  /** The union of the numeric `poison.*` keys of its cells, sorted. */
  readonly keys: readonly string[];
  /** What the known keys mean; null when none is known. */
  readonly note: string | null;
  readonly rows: readonly AttackDiagnosticsRow[];
}

/** The attack diagnostics section: one table per attack that stored numeric poison diagnostics. */
export interface AttackDiagnosticsSection {
  readonly attacks: readonly AttackDiagnosticsTable[];
}

/** Everything a report is rendered from: the results JSON. */
export interface RunResults {
  /** Version of this JSON shape (`RESULTS_SCHEMA_VERSION`). */
  readonly schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  /** Version of the benchmark protocol; leaderboards only combine runs with the same version. */
  readonly protocolVersion: string;
  readonly run: RunInfo;
  /**
   * The random baseline ΔImp is measured against; present whenever there are cells. Absent for a
   * run that trained none: one whose spec files recorded only sensitivity tables.
   */
  readonly randomBaseline?: RandomBaselineSummary;
  /**
   * One entry per (nas, attack, budget, defence), controls included (attack `clean`, budget 0).
   * Empty only for a run of sensitivity tables alone.
   */
  readonly cells: readonly CellResult[];
  /** Every poisoned-vs-control hypothesis of the run (the two BH families). */
  readonly comparisons: readonly ComparisonResult[];
  /** Spec-file assertions as the spec layer recorded them, when the run came from spec files. */
  readonly assertions?: readonly AssertionRecord[];
  /** Per NAS method: its description and the tier's deviations from the published settings. */
  readonly methods?: readonly MethodInfo[];
  /** The tier's calibration; null (or absent) when none was stored for the tier. */
  readonly calibration?: CalibrationInfo | null;
  /** Per poisoned arm that ran sequentially: its looks, stop and adjusted p-values (absent: none did). */
  readonly sequential?: readonly SequentialArmResult[];
  /** Metric-sensitivity tables the run's spec files recorded (absent: none). */
  readonly sensitivity?: readonly SensitivityTable[];
  /** Defended cells against their undefended twins; null when the run has none (absent in older results). */
  readonly defences?: DefenceSection | null;
  /** Means of the poisons' own diagnostics; null when no poisoned cell stored any (absent in older results). */
  readonly attackDiagnostics?: AttackDiagnosticsSection | null;
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
