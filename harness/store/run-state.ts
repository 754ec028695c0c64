/**
 * Whether a recorded run finished, is still going, or was interrupted. A run row gets its end time
 * and exit code when the run ends; a `kill -9` (or a power cut) never writes them. Telling "still
 * going" from "died" needs the process that ran it, which `naspoison run` records beside the row
 * (cache namespace {@link RUN_PROCESS_NAMESPACE}, key = run id) in the same transaction.
 */
import { currentProcess, parseProcessIdentity, processState, type ProcessIdentity } from '../util/process.js';
import type { TrialStore } from './store.js';
import type { RunRecord, RunStart } from './types.js';

/** Cache namespace of the process that ran each run (a {@link ProcessIdentity}, key = run id). */
export const RUN_PROCESS_NAMESPACE = 'run-process.v1';

/** What became of a run. */
export type RunState =
  /** It ended and recorded its exit code. */
  | { state: 'finished'; exitCode: number; finishedAt: string }
  /** No end recorded, and its process still runs on this machine. */
  | { state: 'running'; process: ProcessIdentity }
  /** No end recorded, and its process is gone (killed, crashed, the machine restarted) or unknown. */
  | { state: 'interrupted'; process: ProcessIdentity | null }
  /** No end recorded, and it ran on another machine: whether it still runs cannot be told here. */
  | { state: 'unfinished-elsewhere'; process: ProcessIdentity };

/**
 * Records the start of a run together with this process's identity, in one transaction, so that
 * a later reader can tell a run that is still going from one that was killed.
 *
 * @throws StoreError as {@link TrialStore.recordRun}
 */
export function recordRunStart(store: TrialStore, run: RunStart, owner: ProcessIdentity = currentProcess()): void {
  store.transaction(() => {
    store.recordRun(run);
    store.putCached(RUN_PROCESS_NAMESPACE, run.runId, JSON.stringify(owner));
  });
}

/** The process recorded for a run, or null (runs recorded before processes were, or by hand). */
export function runProcess(store: TrialStore, runId: string): ProcessIdentity | null {
  const json = store.getCached(RUN_PROCESS_NAMESPACE, runId);
  if (json === undefined) return null;
  try {
    return parseProcessIdentity(JSON.parse(json)) ?? null;
  } catch {
    return null;
  }
}

/** What became of `run` (see {@link RunState}); reads the store only. */
export function runState(store: TrialStore, run: RunRecord): RunState {
  if (run.finishedAt !== null && run.exitCode !== null) return { state: 'finished', exitCode: run.exitCode, finishedAt: run.finishedAt };
  const owner = runProcess(store, run.runId);
  if (owner === null) return { state: 'interrupted', process: null };
  switch (processState(owner)) {
    case 'alive':
      return { state: 'running', process: owner };
    case 'elsewhere':
      return { state: 'unfinished-elsewhere', process: owner };
    case 'gone':
      return { state: 'interrupted', process: owner };
  }
}
