/**
 * Metric-sensitivity tables (the study's Table 2) as the store keeps them and the report reads
 * them: the stored entry (namespace `run-sensitivity.v1`, written by harness/spec/sensitivity.ts
 * from the spec process, like `run-matrix.v1`), and the one summary of a metric's per-cell
 * relative changes that both the spec layer and the results validation compute. Pure: no engine.
 *
 * @module
 */

import { tQuantile } from '../stats/index.js';
import type { EnvironmentFingerprint } from '../store/types.js';
import type { DatasetInfo, SensitivityMetricResult, SensitivityTable } from './types.js';

/** Cache namespace of {@link SensitivityEntry}; key: run id, spec file and table label. */
export const RUN_SENSITIVITY_NAMESPACE = 'run-sensitivity.v1';

/** Level of the sensitivity tables' confidence intervals. */
export const SENSITIVITY_CONFIDENCE = 0.95;

/**
 * A metric value as stored: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"` (JSON has none of
 * them, and an NTK condition number can be infinite).
 */
export type StoredMetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

/** The raw values behind one metric's row: per panel cell, one value per batch, clean and poisoned. */
export interface SensitivityRawValues {
  readonly clean: readonly (readonly StoredMetricValue[])[];
  readonly poisoned: readonly (readonly StoredMetricValue[])[];
}

/** What a spec file stores of one sensitivity table for a run. */
export interface SensitivityEntry {
  readonly runId: string;
  readonly table: SensitivityTable;
  /** Per metric name: the values the table's changes were computed from (traceability). */
  readonly raw: Readonly<Record<string, SensitivityRawValues>>;
  readonly tier: string;
  readonly backend: string;
  readonly codeVersion: string;
  readonly environment: EnvironmentFingerprint;
  readonly dataset: DatasetInfo;
  /** Seconds the table took to compute. */
  readonly seconds: number;
  readonly recordedAt: string;
}

/** A number as stored (non-finite values as their names). */
export function storeMetricValue(x: number): StoredMetricValue {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** The summary columns of a metric's row: everything but its name, label use and bit-identical count. */
export type SensitivitySummary = Pick<SensitivityMetricResult, 'n' | 'mean' | 'sd' | 'ciLow' | 'ciHigh' | 'maxAbsChange'>;

/**
 * n, mean, sd (n − 1), the two-sided t confidence interval of the mean at `confidence`, and the
 * largest |change| of the defined (non-null) changes. The CI is null below two changes; with an sd
 * of 0 it is the mean itself (every cell moved by exactly the same amount — e.g. not at all).
 */
export function sensitivitySummary(changes: readonly (number | null)[], confidence: number = SENSITIVITY_CONFIDENCE): SensitivitySummary {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`sensitivitySummary: confidence must be in (0, 1), got ${confidence}`);
  const defined = changes.filter((c): c is number => c !== null);
  const n = defined.length;
  if (n === 0) return { n, mean: null, sd: null, ciLow: null, ciHigh: null, maxAbsChange: null };
  const mean = defined.reduce((s, v) => s + v, 0) / n;
  const maxAbsChange = Math.max(...defined.map(Math.abs));
  if (n < 2) return { n, mean, sd: null, ciLow: null, ciHigh: null, maxAbsChange };
  const sd = Math.sqrt(defined.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = sd === 0 ? 0 : tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, ciLow: mean - half, ciHigh: mean + half, maxAbsChange };
}
