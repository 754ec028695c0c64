// Reliability under kill -9, and stored poisons that are bad. One tiny-tier run (P-DARTS × random
// label flipping: 4 arms × 2 trials) is killed at 5 seeded random points — "once the store holds k
// completed trials, wait d ms, then SIGKILL the whole process group" — and resumed after each;
// then run to the end. Every trial must be stored exactly once, with numbers identical to an
// uninterrupted run's, the killed runs listed as interrupted, and the worker folders the kills left
// in the temp directory gone after the next start. Meanwhile, on a copy of the uninterrupted run's
// store, cached poisons are tampered with: the first one met is refused naming the poison and the
// reason, no trial is stored for it, the run exits 1 closing with that error, and nothing else
// stored changes (the hash-mismatch refusal itself: harness/attacks/poison-artifact.test.ts).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, ROOT, TINY } from '../cli/test-utils.js';
import { Rng } from '../engine/rng.js';
import { runResultsFromStore } from '../report/from-store.js';
import { openStore, runState, type RunRecord, type TrialRecord } from '../store/index.js';
import { poisonHash } from '../attacks/poison.js';
import { decodePoison, encodePoison } from './poison-cache.js';
import { WORKER_FOLDER_PREFIX } from './workers.js';

const SPEC = 'benchmarks/pdarts/random-label-flip';
const TRIALS = 8;
/** The seed of the kill points: change it to kill elsewhere; the same seed gives the same points. */
const KILL_SEED = 20_261_129;
const KILLS = 5;

const dir = mkdtempSync(join(tmpdir(), 'naspoison-kills-'));
// The runs' own temp directory (TMPDIR), so the worker folders they leave are theirs alone.
const runTmp = join(dir, 'tmp');
mkdirSync(runTmp);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REFERENCE = join(dir, 'reference.db');
const KILLED = join(dir, 'killed.db');
const POISONED = join(dir, 'poisoned.db');

/** Kill points: k completed trials in the store (0–4, so the run is never already done), then d ms (0–299). */
function killPoints(): Array<{ afterTrials: number; delayMs: number }> {
  const rng = new Rng(KILL_SEED).child('kill-points');
  const points = Array.from({ length: KILLS }, () => ({ afterTrials: rng.int(5), delayMs: rng.int(300) }));
  return points.sort((a, b) => a.afterTrials - b.afterTrials);
}

function read<T>(path: string, fn: (s: ReturnType<typeof openStore>) => T): T {
  const store = openStore(path, { readonly: true, create: false, integrityCheck: 'none' });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function completedCount(path: string): number {
  try {
    return read(path, (s) => s.countTrials({ status: 'completed' }));
  } catch {
    return 0; // not created yet, or being created
  }
}

interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * `naspoison run` on the tiny tier with `workers` trial processes, backend left to `auto`. With
 * `kill`, the whole process group (CLI, vitest, trial workers: as a power cut or Ctrl-C would) is
 * SIGKILLed once the store holds `afterTrials` completed trials and `delayMs` more have passed.
 */
function runTiny(store: string, runId: string, workers: number, kill?: { afterTrials: number; delayMs: number }): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', '--tier', TINY, '--store', store, '--fixture', '--no-report', '--run-id', runId, SPEC], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', NASPOISON_BACKEND: undefined, NASPOISON_TIER: undefined, NASPOISON_WORKERS: String(workers), TMPDIR: runTmp },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    let poll: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (kill !== undefined) {
      poll = setInterval(() => {
        if (completedCount(store) < kill.afterTrials) return;
        clearInterval(poll);
        timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone: the assertion on the signal says so
          }
        }, kill.delayMs);
      }, 50);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

function workerFolders(): string[] {
  return readdirSync(runTmp).filter((n) => n.startsWith(WORKER_FOLDER_PREFIX));
}

/**
 * Diagnostics that describe the run's history, not its result: wall times, and whether the
 * retraining was found in the cache (which of two trials sharing a genotype ran first depends on
 * the workers' order, and so on where the kills fell).
 */
function resultDiagnostics(diagnostics: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(diagnostics).filter(([k]) => !k.endsWith('Ms') && k !== 'retrainCached'));
}

/** What a trial's result is, without when and how long (wall time is not a result). */
function numbers(t: TrialRecord): Record<string, unknown> {
  const diagnostics = resultDiagnostics(t.diagnostics);
  return {
    key: t.trialKey,
    arm: `${t.attack}@${t.budget}#${t.trialIndex}`,
    status: t.status,
    accuracy: t.accuracy,
    deltaImprovement: t.deltaImprovement,
    randomBaselineMean: t.randomBaselineMean,
    genotype: t.genotype,
    poisonHash: t.poisonHash,
    seed: t.seed,
    diagnostics,
  };
}

/** A run's report numbers (cells without wall-time diagnostics, comparisons, baseline, assertion verdicts). */
function reportNumbers(path: string, runId: string): Record<string, unknown> {
  const r = read(path, (s) => runResultsFromStore(s, runId));
  return {
    randomBaseline: r.randomBaseline,
    cells: r.cells.map((c) => ({ ...c, diagnostics: resultDiagnostics(c.diagnostics) })),
    comparisons: r.comparisons,
    assertions: (r.assertions ?? []).map((a) => ({ name: a.name, status: a.status, verdicts: a.verdicts })),
  };
}

const points = killPoints();
let reference: RunOutcome;
const killed: Array<RunOutcome & { runId: string; completedBefore: number; completedAfter: number; foldersAfter: number }> = [];
let final: RunOutcome;
let poisoned: RunOutcome;
let poisonedBefore: TrialRecord[] = [];

/** Copies the reference store, corrupts two cached poisons, and drops the trials that used them. */
function tamperPoisons(): void {
  copyFileSync(REFERENCE, POISONED);
  const db = new Database(POISONED);
  try {
    const poisons = db.prepare(`SELECT key, value_json FROM cache WHERE namespace = 'poison.v1' ORDER BY key`).all() as Array<{ key: string; value_json: string }>;
    const at = (budget: number) => poisons.filter((p) => (JSON.parse(p.value_json) as { budget: number }).budget === budget);
    // Budget 0.5: an edited poison (one flipped bit in its indices): its content no longer hashes to its hash.
    for (const p of at(0.5)) {
      const v = JSON.parse(p.value_json) as { indices: string };
      const bytes = Buffer.from(v.indices, 'base64');
      bytes[0]! ^= 1;
      v.indices = bytes.toString('base64');
      db.prepare(`UPDATE cache SET value_json = ? WHERE namespace = 'poison.v1' AND key = ?`).run(JSON.stringify(v), p.key);
    }
    // Budget 0.1: a self-consistent poison (its hash recomputed) for another dataset, under this dataset's key.
    for (const p of at(0.1)) {
      const { hash: _hash, ...artifact } = decodePoison(p.value_json, p.key);
      const foreign = { ...artifact, datasetHash: `${artifact.datasetHash.slice(0, -4)}beef` };
      db.prepare(`UPDATE cache SET value_json = ? WHERE namespace = 'poison.v1' AND key = ?`).run(encodePoison({ ...foreign, hash: poisonHash(foreign) }), p.key);
    }
    db.prepare('DELETE FROM trials WHERE budget IN (0.1, 0.5)').run();
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  const referenceThenPoisons = async () => {
    reference = await runTiny(REFERENCE, 'uninterrupted', 1);
    if (reference.code !== 0) return;
    tamperPoisons();
    poisonedBefore = read(POISONED, (s) => s.listTrials());
    poisoned = await runTiny(POISONED, 'bad-poisons', 1);
  };
  const killsThenFinal = async () => {
    for (const [i, point] of points.entries()) {
      const completedBefore = completedCount(KILLED);
      // Killed runs alternate between 2 trial workers (whose folders a kill leaves behind) and 1;
      // a run resumes whatever the worker count of the one before (trials depend on seeds only).
      const outcome = await runTiny(KILLED, `killed-${i + 1}`, i % 2 === 0 ? 2 : 1, point);
      killed.push({ ...outcome, runId: `killed-${i + 1}`, completedBefore, completedAfter: completedCount(KILLED), foldersAfter: workerFolders().length });
    }
    final = await runTiny(KILLED, 'resumed', 1);
  };
  // The two chains share nothing but the machine: run them side by side.
  await Promise.all([referenceThenPoisons(), killsThenFinal()]);
}, 300_000);

describe(`${KILLS} kill -9 points over one tiny-tier run (seed ${KILL_SEED}: ${points.map((p) => `${p.afterTrials} trials + ${p.delayMs} ms`).join(', ')})`, () => {
  test('the uninterrupted run completes every trial and records the backend that ran, not "auto"', () => {
    expect(reference.code, reference.stderr).toBe(0);
    const { runs, trials } = read(REFERENCE, (s) => ({ runs: s.listRuns(), trials: s.listTrials() }));
    expect(trials).toHaveLength(TRIALS);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.environment.backend).not.toBe('auto');
    for (const t of trials) expect(t.environment.backend).toBe(run.environment.backend);
  });

  test('every kill point killed a run, and the runs between them made progress overall', () => {
    expect(killed).toHaveLength(KILLS);
    for (const k of killed) expect(k.signal, `${k.runId}: ${k.stderr.slice(-2000)}`).toBe('SIGKILL');
    // Kill points are cumulative thresholds: each run was killed no earlier than its threshold.
    killed.forEach((k, i) => expect(k.completedAfter).toBeGreaterThanOrEqual(points[i]!.afterTrials));
    expect(killed[KILLS - 1]!.completedAfter).toBeLessThan(TRIALS);
  });

  test('after the final resume every trial is stored exactly once, none errored', () => {
    expect(final.code, final.stderr).toBe(0);
    const trials = read(KILLED, (s) => s.listTrials());
    expect(trials).toHaveLength(TRIALS);
    expect(trials.every((t) => t.status === 'completed')).toBe(true);
    expect(new Set(trials.map((t) => t.trialKey)).size).toBe(TRIALS);
    expect(new Set(trials.map((t) => `${t.attack}@${t.budget}#${t.trialIndex}`)).size).toBe(TRIALS);
  });

  test('the numbers are identical to the uninterrupted run: every trial, and the report', () => {
    const sort = (ts: TrialRecord[]) => ts.map(numbers).sort((a, b) => String(a.key).localeCompare(String(b.key)));
    const interrupted = sort(read(KILLED, (s) => s.listTrials()));
    expect(interrupted).toEqual(sort(read(REFERENCE, (s) => s.listTrials())));
    expect(reportNumbers(KILLED, 'resumed')).toEqual(reportNumbers(REFERENCE, 'uninterrupted'));
  });

  test('the killed runs are listed as interrupted, the final one as finished', () => {
    const states = read(KILLED, (s) => s.listRuns().map((r: RunRecord) => [r.runId, runState(s, r)] as const));
    const byId = new Map(states);
    expect(byId.get('resumed')).toMatchObject({ state: 'finished', exitCode: 0 });
    // A kill can land before the run recorded itself (during start-up); every one that did record is interrupted.
    const recorded = killed.filter((k) => byId.has(k.runId));
    expect(recorded.length).toBeGreaterThan(0);
    for (const k of recorded) expect(byId.get(k.runId), k.runId).toMatchObject({ state: 'interrupted' });
  });

  test('the worker folders the kills left behind are removed by the next start', () => {
    // A kill of a 2-worker run during its trials leaves its workers' folder (its finally never ran)…
    expect(Math.max(...killed.map((k) => k.foldersAfter))).toBeGreaterThan(0);
    // …and a later start removes every one whose owner is dead; the final run removed its own.
    expect(workerFolders()).toEqual([]);
  });
});

describe('stored poisons that are bad', () => {
  test('a poison of another dataset (re-hashed) is refused before any search reads it, naming the poison and the reason; no trial is stored for it, and the run exits 1 with that error', () => {
    expect(poisoned.code, poisoned.stderr).toBe(1);
    const lines = poisoned.stderr.trim().split('\n');
    // Trial 0's arms run in order (control, 1 %, 10 %): the 10 % poison is the first bad one met.
    expect(lines.at(-1)).toMatch(
      /^run error \(not an assertion\): 1 error outside the assertions — first: .*poison [0-9a-f]{12} \(random-label-flip, p=0\.1\) refused: cached poison [0-9a-f]{12} is corrupt: its datasetHash is ".*beef", but its key is for ".*"$/,
    );
    // Nothing is stored for a refused poison: no errored row, no trial of the refused arms.
    expect(read(POISONED, (s) => s.listTrials({ status: 'errored' }))).toEqual([]);
    expect(read(POISONED, (s) => s.listTrials()).filter((t) => t.budget === 0.1 || t.budget === 0.5)).toEqual([]);
  });

  test('nothing stored before is lost or changed', () => {
    const after = new Map(read(POISONED, (s) => s.listTrials()).map((t) => [t.trialKey, t]));
    expect(poisonedBefore).toHaveLength(4);
    for (const t of poisonedBefore) expect(after.get(t.trialKey)).toEqual(t);
  });
});
