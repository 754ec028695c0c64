/**
 * The records the store keeps. One {@link TrialRecord} per completed (or errored) trial: every
 * effective parameter, the poison's content hash, the genotype found, the clean accuracy after
 * retraining, and where and with what code it ran — enough to trace any reported number back.
 */

/** The machine and software a trial ran on (compared before mixing results). */
export interface EnvironmentFingerprint {
  /** TF.js backend name: tensorflow | webgpu | wasm | cpu. */
  backend: string;
  tfjs: string;
  node: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  /** GPU adapter description where a GPU backend ran. */
  gpu?: string;
}

/** What identifies a trial: two trials with equal keys are the same computation. */
export interface TrialIdentity {
  /** Matrix the trial belongs to, e.g. `pdarts × random-label-flip`. */
  matrix: string;
  /** NAS algorithm name (registry name). */
  nas: string;
  /** Attack name, or `clean` for the control arm. */
  attack: string;
  /** Poisoning budget p in [0, 1); 0 for the control arm. */
  budget: number;
  /** Defence name, or `none`. */
  defence: string;
  /** Trial number within its cell (0-based); clean and poisoned arms share seeds by index. */
  trialIndex: number;
  /** Tier the trial ran at (smoke | standard | paper | custom name). */
  tier: string;
}

/** A stored trial. */
export interface TrialRecord extends TrialIdentity {
  /** sha256 of the canonical JSON of identity + effective parameters + dataset hash + backend. */
  trialKey: string;
  /** Seed every random choice of this trial derives from. */
  seed: number;
  status: 'completed' | 'errored';
  /** Error message when status is errored. */
  error?: string;
  dataset: string;
  /** Content hash of the clean dataset the trial started from. */
  datasetHash: string;
  /** Content hash of the poison artifact; null for the clean control. */
  poisonHash: string | null;
  /** Genotype string found by the search (NB201 format). */
  genotype: string | null;
  /** Canonical key of that genotype (isomorphic cells share it). */
  canonicalGenotype: string | null;
  /** Clean test accuracy of the retrained architecture, in percent. */
  accuracy: number | null;
  /** Mean clean test accuracy of the random baseline, in percent. */
  randomBaselineMean: number | null;
  /** ΔImp = accuracy − randomBaselineMean, in percentage points. */
  deltaImprovement: number | null;
  /** Algorithm-specific numbers: search time, skip-connect count, proxies… */
  diagnostics: Record<string, number | string | boolean | null>;
  /** Every effective parameter (tier, recipes, attack and NAS settings…), as JSON. */
  params: Record<string, unknown>;
  environment: EnvironmentFingerprint;
  /** Code version: git commit (with `-dirty`) or package version. */
  codeVersion: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The run (see {@link RunRecord}) that produced this trial, where known. */
  runId?: string;
}

/** What a run records when it starts: one `naspoison run` (or one vitest bench invocation). */
export interface RunStart {
  /** Unique id of the run (e.g. a timestamp plus random suffix). */
  runId: string;
  /** ISO 8601 start time. */
  startedAt: string;
  /** Tier the run was asked for. */
  tier: string;
  /** The command line, as typed. */
  command: string;
  /** Spec files the run covered (paths relative to the repository root). */
  specFiles: string[];
  environment: EnvironmentFingerprint;
  /** Code version: git commit (with `-dirty`) or package version. */
  codeVersion: string;
}

/** A stored run: its start record plus, once it ended, when and with what exit code. */
export interface RunRecord extends RunStart {
  /** ISO 8601 end time; null while the run is going (or when it died without finishing). */
  finishedAt: string | null;
  /** Process exit code; null while the run is going. */
  exitCode: number | null;
}

/** A row of the content-addressed cache (retrained accuracies, random baselines, poison metadata). */
export interface CacheEntry {
  /** What kind of thing is cached, e.g. `accuracy`, `random-baseline`, `poison`. */
  namespace: string;
  /** Content key within the namespace (usually a sha256 of the canonical inputs). */
  key: string;
  /** The cached value, as JSON text (stored exactly as given). */
  valueJson: string;
  /** Free-form provenance (inputs, timing…), or null. */
  meta: Record<string, unknown> | null;
  /** ISO 8601 time the entry was first stored. */
  createdAt: string;
}
