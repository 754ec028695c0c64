/**
 * Trials of a matrix in parallel processes. TF.js on wasm uses one core, so a 2-core machine runs
 * two trials at once. Workers share the store (WAL, one transaction per trial), the random baseline
 * and retrained accuracies come from its cache, and every trial is determined by its seed, so the
 * results equal a sequential run's. Workers take their jobs by claiming them in the store
 * (harness/run/shared-work.ts): each is given every job, starting at its own offset, so a worker
 * that finishes early takes what is left instead of idling, and another run's processes on the same
 * store share the same jobs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { currentProcess, parseProcessIdentity, processState, type ProcessIdentity } from '../util/process.js';
import { encodeRunConfig, type RunConfig } from './config.js';
import type { TrialPlan } from './trial.js';

/** What a worker reports. */
export type WorkerMessage =
  | { type: 'log'; message: string }
  | { type: 'evaluation-done'; index: number; accuracy: number; cached: boolean }
  | { type: 'done'; plan: TrialPlan; trialKey: string; status: 'completed' | 'errored'; accuracy: number | null; deltaImprovement: number | null; error: string | null }
  | { type: 'fatal'; error: string };

const WORKER = fileURLToPath(new URL('./trial-worker.ts', import.meta.url));

/** Name prefix of the folders that hand jobs to workers: `naspoison-workers-<owner pid>-<random>`. */
export const WORKER_FOLDER_PREFIX = 'naspoison-workers-';
/** The file in such a folder that names its owner (a {@link ProcessIdentity}). */
const OWNER_FILE = 'owner.json';

/** The owner of a worker folder: its owner file, else the pid in its name (a folder being created). */
function folderOwner(dir: string, name: string): ProcessIdentity | undefined {
  try {
    const owner = parseProcessIdentity(JSON.parse(readFileSync(join(dir, name, OWNER_FILE), 'utf8')));
    if (owner !== undefined) return owner;
  } catch {
    // no owner file yet (or a torn one): fall back to the name
  }
  const pid = /^naspoison-workers-(\d+)-/.exec(name)?.[1];
  return pid === undefined ? undefined : { pid: Number(pid), host: hostname() };
}

/**
 * Removes the worker folders in `dir` (default: the temp directory) whose owner process is gone:
 * what a `kill -9` of a run leaves behind, since its `finally` never ran. Folders of live
 * processes, of other hosts (a shared temp directory) and without a recorded owner are kept.
 * Returns the removed paths.
 */
export function removeStaleWorkerFolders(dir: string = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(WORKER_FOLDER_PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = folderOwner(dir, name);
    if (owner === undefined || processState(owner) !== 'gone') continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(join(dir, name));
    } catch {
      // another user's folder, or removed meanwhile by another run: not ours to insist on
    }
  }
  return removed;
}

/** One clean evaluation (genotype string, seed) to train into the evaluation cache; `index` names it in the reply. */
export interface EvaluationJob {
  index: number;
  genotype: string;
  seed: number;
}

/**
 * What a worker is asked to do: run trials, or train given (genotype, seed) evaluations into the
 * cache (the random baseline's architectures, calibration). `since` (ms since the epoch): jobs
 * whose claim finished after it count as settled (see `settled` in harness/run/shared-work.ts);
 * default: when the workers start.
 */
export type WorkerJobs = ({ kind: 'trials'; jobs: readonly TrialPlan[] } | { kind: 'evaluations'; jobs: readonly EvaluationJob[] }) & { since?: number };

/** Worker `w` of `workers` gets every job, starting at its share's offset (claims keep them from doing one twice). */
export function rotatedJobs<T>(jobs: readonly T[], w: number, workers: number): T[] {
  const offset = Math.floor((w * jobs.length) / workers);
  return [...jobs.slice(offset), ...jobs.slice(0, offset)];
}

/**
 * Runs the jobs in `workers` processes, each claiming what it computes ({@link rotatedJobs}); each
 * worker builds its run context from `config` after importing its plugin modules. Calls
 * `onMessage` for each message as it arrives (a job's message comes from the worker that computed
 * it, once; jobs another process computed send none). Resolves when all workers exit; rejects
 * naming the worker when one fails.
 */
export async function runJobsInWorkers(
  work: WorkerJobs,
  config: RunConfig,
  workers: number,
  onMessage: (message: WorkerMessage, worker: number) => void,
): Promise<void> {
  removeStaleWorkerFolders();
  // The owner's pid in the name and its identity inside let a later run tell this folder, if a
  // kill -9 leaves it behind, from one in use.
  const dir = mkdtempSync(join(tmpdir(), `${WORKER_FOLDER_PREFIX}${process.pid}-`));
  const tsx = import.meta.resolve('tsx');
  const children: ChildProcess[] = [];
  try {
    writeFileSync(join(dir, OWNER_FILE), JSON.stringify(currentProcess()));
    const jobs: readonly unknown[] = work.jobs;
    const since = work.since ?? Date.now();
    const shares = Array.from({ length: workers }, (_, w) => rotatedJobs(jobs, w, workers));
    await Promise.all(
      shares.map(
        (share, w) =>
          new Promise<void>((resolve, reject) => {
            const file = join(dir, `worker-${w}.json`);
            writeFileSync(file, `{"kind":${JSON.stringify(work.kind)},"since":${since},"jobs":${JSON.stringify(share)},"config":${encodeRunConfig(config)}}`);
            const child = spawn(process.execPath, ['--import', tsx, WORKER, file], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
            children.push(child);
            let stderr = '';
            let fatal: string | undefined;
            child.stderr.on('data', (chunk: Buffer) => {
              stderr = (stderr + chunk.toString()).slice(-4000);
            });
            createInterface({ input: child.stdout }).on('line', (line) => {
              let message: WorkerMessage;
              try {
                message = JSON.parse(line) as WorkerMessage;
              } catch {
                message = { type: 'log', message: line };
              }
              if (message.type === 'fatal') fatal = message.error;
              onMessage(message, w + 1);
            });
            child.on('error', reject);
            // 'close' (not 'exit'): stdout and stderr are drained, so no last message is lost.
            child.on('close', (code, signal) => {
              if (code === 0) resolve();
              else reject(new Error(`trial worker ${w + 1} ${signal ? `was killed (${signal})` : `exited with ${code}`}: ${fatal ?? stderr.trim().split('\n').slice(-3).join(' | ')}`));
            });
          }),
      ),
    );
  } catch (error) {
    // One worker failed: stop the others rather than leave them running unattended.
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
