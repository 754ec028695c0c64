/**
 * Assembles a run's {@link RunResults} from the store: the matrices its spec files recorded under
 * the run id, their trials (by key), and the assertions the matchers recorded. Reads only the store.
 */
import type { TrialRecord, TrialStore } from '../store/index.js';
import { buildRunResults, type MetricSpec } from './build.js';
import { harmDirection } from '../verdicts/index.js';
import type { AssertionResult, RunResults } from './types.js';

/** Version of the benchmark protocol (bump when the meaning of a stored number changes). */
export const PROTOCOL_VERSION = 'naspoison-nb201-1';

interface MatrixEntry {
  runId: string;
  label: string;
  spec: { nas: string; attack: string; budgets: number[]; defence: string };
  tracked: string[];
  alpha: number;
  trialKeys: string[];
  tier: string;
  randomBaseline: { samples: number; mean: number; sd: number; recipe: string };
  dataset: { name: string; source: string; hash: string; trainSize: number; testSize: number; resolution: number };
  recordedAt: string;
}

/** Runs recorded in the store that have matrices, newest last. */
export function reportableRunIds(store: TrialStore): string[] {
  const ids = new Set(store.listCached('run-matrix.v1').map((e) => (JSON.parse(e.valueJson) as MatrixEntry).runId));
  const ordered = store.listRuns().map((r) => r.runId).filter((id) => ids.has(id));
  for (const id of ids) if (!ordered.includes(id)) ordered.push(id);
  return ordered;
}

/** Builds the results of run `runId`; throws naming the run when it recorded nothing. */
export function runResultsFromStore(store: TrialStore, runId: string, options: { title?: string } = {}): RunResults {
  const matrices = store
    .listCached('run-matrix.v1')
    .map((e) => JSON.parse(e.valueJson) as MatrixEntry)
    .filter((m) => m.runId === runId);
  if (matrices.length === 0) {
    const known = reportableRunIds(store);
    throw new Error(`run "${runId}" recorded no matrices in ${store.path}; runs with results: ${known.join(', ') || '(none)'}`);
  }
  const keys = [...new Set(matrices.flatMap((m) => m.trialKeys))];
  const trials: TrialRecord[] = [];
  for (const key of keys) {
    const trial = store.getTrial(key);
    if (!trial) throw new Error(`run "${runId}": trial ${key.slice(0, 12)} is listed by a matrix but missing from ${store.path}`);
    trials.push(trial);
  }
  const first = matrices[0]!;
  const tracked = [...new Set(matrices.flatMap((m) => m.tracked))];
  const metrics: MetricSpec[] = tracked.map((metric) => ({ metric, alternative: harmDirection(metric) }));
  const assertions: AssertionResult[] = store
    .listCached('run-assertion.v1')
    .map((e) => JSON.parse(e.valueJson) as AssertionResult & { runId: string })
    .filter((a) => a.runId === runId)
    .map(({ file, name, status, message }) => ({ file, name, status, message }));
  const run = store.getRun(runId);
  // Stored trials are reused across commits (their keys hold every effective parameter, not the
  // code version), so a resumed run may mix versions: name them all rather than refuse.
  const versions = [...new Set(trials.map((t) => t.codeVersion))].sort();
  const codeVersion = versions.length === 1 ? versions[0]! : `${run?.codeVersion ?? versions[versions.length - 1]!} (trials from ${versions.length} code versions: ${versions.join(', ')})`;
  const recordedAt = matrices.map((m) => m.recordedAt).sort();
  return buildRunResults(trials, {
    protocolVersion: PROTOCOL_VERSION,
    run: {
      id: runId,
      createdAt: run?.startedAt ?? recordedAt[0]!,
      codeVersion,
      dataset: first.dataset,
      ...(run?.command ? { command: run.command } : {}),
      ...(options.title ? { title: options.title } : {}),
    },
    randomBaseline: { samples: first.randomBaseline.samples, mean: first.randomBaseline.mean, sd: first.randomBaseline.sd, recipe: first.randomBaseline.recipe, space: 'NAS-Bench-201' },
    alpha: first.alpha,
    metrics,
    assertions,
  });
}
