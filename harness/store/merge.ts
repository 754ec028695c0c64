/**
 * Merging sharded stores: trials, runs and cache rows of several source stores are copied into one
 * target store, in one transaction. Rows already in the target with the same results are skipped
 * (timings aside: trials compare their result fields, cached values all but their measurements);
 * an errored target trial is replaced by a completed source trial; rows whose key matches but whose
 * results differ are kept as they are in the target and reported as conflicts, never overwritten.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { canonicalJson } from '../util/canonical-json.js';
import { StoreError } from './errors.js';
import { openStore, type TrialStore } from './store.js';
import type { CacheEntry, RunRecord, TrialRecord } from './types.js';

/** What happened to the rows of one table. */
export interface MergeCounts {
  /** Rows new to the target. */
  inserted: number;
  /** Target rows completed by the source: errored trials replaced, unfinished runs finished. */
  replaced: number;
  /** Rows the target already had with the same results (or a completed trial for an errored one). */
  skipped: number;
  /** Rows with a key the target has but different results (left unchanged, listed in `conflicts`). */
  conflicts: number;
}

/** A row whose key exists in the target with different results. */
export interface MergeConflict {
  table: 'trials' | 'runs' | 'cache';
  /** Trial key, run id, or `namespace/key`. */
  key: string;
  /** The source store the differing row came from. */
  source: string;
  /** The fields whose values differ. */
  fields: string[];
}

/** Outcome of {@link mergeStores}. */
export interface MergeReport {
  target: string;
  sources: string[];
  trials: MergeCounts;
  runs: MergeCounts;
  cache: MergeCounts;
  conflicts: MergeConflict[];
}

/**
 * Fields compared to decide whether two completed trials with the same key have the same results.
 * Timing, environment details, code version, run id and diagnostics (which include wall-clock
 * search time) may differ between two runs of the same computation and are not compared.
 */
export const TRIAL_RESULT_FIELDS = [
  'matrix', 'nas', 'attack', 'budget', 'defence', 'trialIndex', 'tier', 'seed', 'status', 'dataset', 'datasetHash',
  'poisonHash', 'genotype', 'canonicalGenotype', 'accuracy', 'randomBaselineMean', 'deltaImprovement', 'params',
] as const satisfies ReadonlyArray<keyof TrialRecord>;

const RUN_FIELDS = ['startedAt', 'tier', 'command', 'specFiles', 'environment', 'codeVersion', 'finishedAt', 'exitCode'] as const satisfies ReadonlyArray<keyof RunRecord>;

/**
 * Copies every trial, run and cache row of `sourcePaths` into the store at `targetPath` (created
 * when missing). All sources are opened read-only and validated before anything is written, and
 * the whole merge is one transaction: it happens completely or not at all.
 *
 * @throws StoreError when a source or the target cannot be opened, or a source is the target
 */
export function mergeStores(targetPath: string, sourcePaths: readonly string[], options: { create?: boolean } = {}): MergeReport {
  const targetReal = realOrResolved(targetPath);
  for (const source of sourcePaths) {
    if (realOrResolved(source) === targetReal) throw new StoreError(source, 'invalid', 'cannot merge a store into itself');
  }
  const sources: TrialStore[] = [];
  let target: TrialStore | undefined;
  try {
    for (const path of sourcePaths) sources.push(openStore(path, { readonly: true }));
    target = openStore(targetPath, { create: options.create ?? true });
    const report: MergeReport = {
      target: targetPath,
      sources: [...sourcePaths],
      trials: emptyCounts(),
      runs: emptyCounts(),
      cache: emptyCounts(),
      conflicts: [],
    };
    const into = target;
    into.transaction(() => {
      for (const source of sources) {
        for (const run of source.listRuns()) mergeRun(into, source.path, run, report);
        for (const trial of source.listTrials()) mergeTrial(into, source.path, trial, report);
        for (const entry of source.listCached()) mergeCache(into, source.path, entry, report);
      }
    });
    return report;
  } finally {
    for (const s of sources) s.close();
    target?.close();
  }
}

function emptyCounts(): MergeCounts {
  return { inserted: 0, replaced: 0, skipped: 0, conflicts: 0 };
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function differingFields<T extends object>(a: T, b: T, fields: ReadonlyArray<keyof T>): string[] {
  return fields.filter((f) => canonicalJson(a[f] ?? null) !== canonicalJson(b[f] ?? null)).map(String);
}

function mergeTrial(target: TrialStore, source: string, trial: TrialRecord, report: MergeReport): void {
  const existing = target.getTrial(trial.trialKey);
  if (existing === undefined) {
    target.putTrial(trial);
    report.trials.inserted++;
    return;
  }
  if (existing.status === 'errored' && trial.status === 'completed') {
    target.putTrial(trial);
    report.trials.replaced++;
    return;
  }
  if (existing.status === 'completed' && trial.status === 'completed') {
    const fields = differingFields(existing, trial, TRIAL_RESULT_FIELDS);
    if (fields.length > 0) {
      report.trials.conflicts++;
      report.conflicts.push({ table: 'trials', key: trial.trialKey, source, fields });
      return;
    }
  }
  report.trials.skipped++;
}

function mergeRun(target: TrialStore, source: string, run: RunRecord, report: MergeReport): void {
  const existing = target.getRun(run.runId);
  if (existing === undefined) {
    target.recordRun(run);
    if (run.finishedAt !== null && run.exitCode !== null) target.finishRun(run.runId, run.finishedAt, run.exitCode);
    report.runs.inserted++;
    return;
  }
  const fields = differingFields(existing, run, RUN_FIELDS);
  if (fields.length === 0) {
    report.runs.skipped++;
    return;
  }
  const onlyFinish = fields.every((f) => f === 'finishedAt' || f === 'exitCode');
  if (onlyFinish && existing.finishedAt === null && run.finishedAt !== null && run.exitCode !== null) {
    target.finishRun(run.runId, run.finishedAt, run.exitCode);
    report.runs.replaced++;
    return;
  }
  report.runs.conflicts++;
  report.conflicts.push({ table: 'runs', key: run.runId, source, fields });
}

function mergeCache(target: TrialStore, source: string, entry: CacheEntry, report: MergeReport): void {
  const existing = target.getCachedEntry(entry.namespace, entry.key);
  if (existing === undefined) {
    target.putCached(entry.namespace, entry.key, entry.valueJson, entry.meta ?? undefined, { createdAt: entry.createdAt });
    report.cache.inserted++;
    return;
  }
  if (sameJson(existing.valueJson, entry.valueJson)) {
    report.cache.skipped++;
    return;
  }
  report.cache.conflicts++;
  report.conflicts.push({ table: 'cache', key: `${entry.namespace}/${entry.key}`, source, fields: ['value'] });
}

/**
 * Fields of a cached value that measure its computation rather than state its result: durations
 * (`trainMs`, `searchMs`, … — any key ending in `Ms`) and when it was made (`createdAt`). Every
 * shard of a run computes the random baseline, so two stores hold the same evaluation with
 * different `trainMs`: the same result, not a conflict.
 */
const MEASUREMENT_KEY = /(Ms|^createdAt)$/;

/** A JSON value without its measurement fields, at any depth. */
function withoutMeasurements(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMeasurements);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !MEASUREMENT_KEY.test(k)).map(([k, v]) => [k, withoutMeasurements(v)]));
}

/** Whether two JSON texts hold the same data (key order, spacing and measurement fields aside). */
function sameJson(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return canonicalJson(withoutMeasurements(JSON.parse(a))) === canonicalJson(withoutMeasurements(JSON.parse(b)));
  } catch {
    return false;
  }
}
