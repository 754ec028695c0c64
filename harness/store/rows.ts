/**
 * Conversion between records ({@link TrialRecord}, {@link RunRecord}, {@link CacheEntry}) and
 * table rows, with the validation the store applies before writing. JSON columns hold canonical
 * JSON, so equal data is equal text.
 */
import { canonicalJson } from '../util/canonical-json.js';
import type { CacheEntry, EnvironmentFingerprint, RunRecord, TrialRecord } from './types.js';

/** A row of the `trials` table, as SQLite returns it. */
export interface TrialRow {
  trial_key: string;
  matrix: string;
  nas: string;
  attack: string;
  budget: number;
  defence: string;
  trial_index: number;
  tier: string;
  seed: number;
  status: string;
  error: string | null;
  dataset: string;
  dataset_hash: string;
  poison_hash: string | null;
  genotype: string | null;
  canonical_genotype: string | null;
  accuracy: number | null;
  random_baseline_mean: number | null;
  delta_improvement: number | null;
  diagnostics_json: string;
  params_json: string;
  environment_json: string;
  backend: string;
  code_version: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  run_id: string | null;
}

/** A row of the `runs` table. */
export interface RunRow {
  run_id: string;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  tier: string;
  command: string;
  spec_files_json: string;
  environment_json: string;
  code_version: string;
}

/** A row of the `cache` table. */
export interface CacheRow {
  namespace: string;
  key: string;
  value_json: string;
  meta_json: string | null;
  created_at: string;
}

/** A problem found while reading a stored row (bad JSON in a column). */
export class RowDecodeError extends Error {}

const TRIAL_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** Problems with a trial record, in words (empty when it can be stored). */
export function trialRecordProblems(record: TrialRecord): string[] {
  const problems: string[] = [];
  const text = (name: string, value: unknown): void => {
    if (typeof value !== 'string' || value.length === 0) problems.push(`${name} must be a non-empty string`);
  };
  const nullableText = (name: string, value: unknown): void => {
    if (value !== null && (typeof value !== 'string' || value.length === 0)) problems.push(`${name} must be null or a non-empty string`);
  };
  const nullableNumber = (name: string, value: unknown): void => {
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) problems.push(`${name} must be null or a finite number (got ${String(value)})`);
  };
  if (typeof record.trialKey !== 'string' || !TRIAL_KEY_PATTERN.test(record.trialKey)) {
    problems.push(`trialKey must be 64 lowercase hex digits (a sha256 from trialKey()), got ${JSON.stringify(record.trialKey)}`);
  }
  for (const name of ['matrix', 'nas', 'attack', 'defence', 'tier', 'dataset', 'datasetHash', 'codeVersion', 'startedAt', 'finishedAt'] as const) {
    text(name, record[name]);
  }
  if (typeof record.budget !== 'number' || !(record.budget >= 0 && record.budget < 1)) problems.push(`budget must be in [0, 1), got ${String(record.budget)}`);
  if (!Number.isSafeInteger(record.trialIndex) || record.trialIndex < 0) problems.push(`trialIndex must be a non-negative integer, got ${String(record.trialIndex)}`);
  if (!Number.isSafeInteger(record.seed)) problems.push(`seed must be a safe integer, got ${String(record.seed)}`);
  if (record.status !== 'completed' && record.status !== 'errored') problems.push(`status must be "completed" or "errored", got ${JSON.stringify(record.status)}`);
  if (record.status === 'errored' && (typeof record.error !== 'string' || record.error.length === 0)) problems.push('an errored trial needs its error message');
  if (record.error !== undefined && typeof record.error !== 'string') problems.push('error must be a string when given');
  if (record.runId !== undefined && (typeof record.runId !== 'string' || record.runId.length === 0)) problems.push('runId must be a non-empty string when given');
  nullableText('poisonHash', record.poisonHash);
  nullableText('genotype', record.genotype);
  nullableText('canonicalGenotype', record.canonicalGenotype);
  nullableNumber('accuracy', record.accuracy);
  nullableNumber('randomBaselineMean', record.randomBaselineMean);
  nullableNumber('deltaImprovement', record.deltaImprovement);
  if (typeof record.durationMs !== 'number' || !Number.isFinite(record.durationMs) || record.durationMs < 0) problems.push(`durationMs must be a finite number ≥ 0, got ${String(record.durationMs)}`);
  if (record.diagnostics === null || typeof record.diagnostics !== 'object' || Array.isArray(record.diagnostics)) {
    problems.push('diagnostics must be an object');
  } else {
    for (const [k, v] of Object.entries(record.diagnostics)) {
      const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) problems.push(`diagnostics.${k} must be a finite number, string, boolean or null (got ${String(v)}; store null for a missing value)`);
    }
  }
  if (record.params === null || typeof record.params !== 'object' || Array.isArray(record.params)) problems.push('params must be an object');
  else collectJsonProblems('params', record.params, problems);
  problems.push(...environmentProblems(record.environment));
  return problems;
}

/** Problems with an environment fingerprint (empty when valid). */
export function environmentProblems(env: EnvironmentFingerprint, name = 'environment'): string[] {
  if (env === null || typeof env !== 'object') return [`${name} must be an object`];
  const problems: string[] = [];
  for (const field of ['backend', 'tfjs', 'node', 'platform', 'arch', 'cpuModel'] as const) {
    if (typeof env[field] !== 'string' || env[field].length === 0) problems.push(`${name}.${field} must be a non-empty string`);
  }
  if (!Number.isSafeInteger(env.cpuCount) || env.cpuCount < 0) problems.push(`${name}.cpuCount must be a non-negative integer`);
  if (env.gpu !== undefined && typeof env.gpu !== 'string') problems.push(`${name}.gpu must be a string when given`);
  collectJsonProblems(name, env, problems);
  return problems;
}

function collectJsonProblems(name: string, value: unknown, problems: string[]): void {
  try {
    canonicalJson(value);
  } catch (error) {
    problems.push(`${name}: ${error instanceof Error ? error.message.replace(/^canonicalJson: \$/, name) : String(error)}`);
  }
}

/** Problems with a run start record (empty when valid). */
export function runStartProblems(run: Omit<RunRecord, 'finishedAt' | 'exitCode'>): string[] {
  const problems: string[] = [];
  for (const field of ['runId', 'startedAt', 'tier', 'command', 'codeVersion'] as const) {
    if (typeof run[field] !== 'string' || run[field].length === 0) problems.push(`${field} must be a non-empty string`);
  }
  if (!Array.isArray(run.specFiles) || run.specFiles.some((f) => typeof f !== 'string')) problems.push('specFiles must be an array of strings');
  problems.push(...environmentProblems(run.environment));
  return problems;
}

/** The named parameters of an INSERT into `trials`. */
export function trialToRow(record: TrialRecord): TrialRow {
  return {
    trial_key: record.trialKey,
    matrix: record.matrix,
    nas: record.nas,
    attack: record.attack,
    budget: record.budget,
    defence: record.defence,
    trial_index: record.trialIndex,
    tier: record.tier,
    seed: record.seed,
    status: record.status,
    error: record.error ?? null,
    dataset: record.dataset,
    dataset_hash: record.datasetHash,
    poison_hash: record.poisonHash,
    genotype: record.genotype,
    canonical_genotype: record.canonicalGenotype,
    accuracy: record.accuracy,
    random_baseline_mean: record.randomBaselineMean,
    delta_improvement: record.deltaImprovement,
    diagnostics_json: canonicalJson(record.diagnostics),
    params_json: canonicalJson(record.params),
    environment_json: canonicalJson(record.environment),
    backend: record.environment.backend,
    code_version: record.codeVersion,
    started_at: record.startedAt,
    finished_at: record.finishedAt,
    duration_ms: record.durationMs,
    run_id: record.runId ?? null,
  };
}

function parseJson<T>(column: string, key: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new RowDecodeError(`${key}: column ${column} holds invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The record a `trials` row stores (optional fields absent when null). */
export function rowToTrial(row: TrialRow): TrialRecord {
  const record: TrialRecord = {
    trialKey: row.trial_key,
    matrix: row.matrix,
    nas: row.nas,
    attack: row.attack,
    budget: row.budget,
    defence: row.defence,
    trialIndex: row.trial_index,
    tier: row.tier,
    seed: row.seed,
    status: row.status === 'errored' ? 'errored' : 'completed',
    dataset: row.dataset,
    datasetHash: row.dataset_hash,
    poisonHash: row.poison_hash,
    genotype: row.genotype,
    canonicalGenotype: row.canonical_genotype,
    accuracy: row.accuracy,
    randomBaselineMean: row.random_baseline_mean,
    deltaImprovement: row.delta_improvement,
    diagnostics: parseJson('diagnostics_json', row.trial_key, row.diagnostics_json),
    params: parseJson('params_json', row.trial_key, row.params_json),
    environment: parseJson('environment_json', row.trial_key, row.environment_json),
    codeVersion: row.code_version,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  };
  if (row.error !== null) record.error = row.error;
  if (row.run_id !== null) record.runId = row.run_id;
  return record;
}

/** The record a `runs` row stores. */
export function rowToRun(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    startedAt: row.started_at,
    tier: row.tier,
    command: row.command,
    specFiles: parseJson('spec_files_json', row.run_id, row.spec_files_json),
    environment: parseJson('environment_json', row.run_id, row.environment_json),
    codeVersion: row.code_version,
    finishedAt: row.finished_at,
    exitCode: row.exit_code,
  };
}

/** The entry a `cache` row stores. */
export function rowToCache(row: CacheRow): CacheEntry {
  return {
    namespace: row.namespace,
    key: row.key,
    valueJson: row.value_json,
    meta: row.meta_json === null ? null : parseJson('meta_json', `${row.namespace}/${row.key}`, row.meta_json),
    createdAt: row.created_at,
  };
}
