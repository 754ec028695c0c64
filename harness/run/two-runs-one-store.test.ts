// Two `naspoison run`s started at once on one store share the work through leases: every trial and
// every random-baseline architecture is computed once (the leases' claim counts), both runs end
// with the same results, and when one of them is killed mid-run the other takes over what it held.
// Real trials at the tiny test tier, one process per run (the in-process path, where training
// blocks the main thread and only the heartbeat thread keeps the claims alive).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runResultsFromStore } from '../report/from-store.js';
import { openLeases, openStore, type LeaseRecord, type TrialRecord } from '../store/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin/naspoison.mjs');
const TIER = join(ROOT, 'fixtures/tiers/tiny.json');
const dir = mkdtempSync(join(tmpdir(), 'naspoison-two-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

/** Starts `naspoison run` on the pdarts spec (4 arms × 2 trials at the tiny tier) in its own process group. */
function start(store: string, runId: string): { pid: number; done: Promise<Run> } {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'run', '--tier', TIER, '--store', store, '--fixture', '--no-report', '--run-id', runId, 'benchmarks/pdarts/random-label-flip'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', NASPOISON_BACKEND: 'wasm', NASPOISON_WORKERS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output, ms: performance.now() - started }));
  });
  return { pid: child.pid!, done };
}

function read<T>(store: string, fn: (s: ReturnType<typeof openStore>) => T): T {
  const s = openStore(store, { readonly: true, integrityCheck: 'none' });
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

function leases(store: string, prefix: string): LeaseRecord[] {
  const l = openLeases(store);
  try {
    return l.list(prefix);
  } finally {
    l.close();
  }
}

/** The processes of a process group (the CLI, its vitest fork that runs the trials, any workers). */
function groupPids(pgid: number): Set<number> {
  const lines = execFileSync('ps', ['-e', '-o', 'pid=,pgid='], { encoding: 'utf8' }).trim().split('\n');
  return new Set(lines.map((l) => l.trim().split(/\s+/).map(Number)).filter(([, g]) => g === pgid).map(([pid]) => pid!));
}

const completed = (store: string): TrialRecord[] => read(store, (s) => s.listTrials({ status: 'completed' }));

describe('two runs on one store', () => {
  test('share the work: each trial and baseline architecture computed once, the same results for both', async () => {
    const store = join(dir, 'shared.db');
    const started = performance.now();
    const [a, b] = await Promise.all([start(store, 'a').done, start(store, 'b').done]);
    const pairMs = performance.now() - started;
    expect(a.code, a.output).toBe(0);
    expect(b.code, b.output).toBe(0);

    const trials = completed(store);
    expect(trials).toHaveLength(8);
    expect(new Set(trials.map((t) => t.trialKey)).size).toBe(8);
    const trialLeases = leases(store, 'trial:');
    expect(trialLeases.map((l) => l.key.slice('trial:'.length)).sort()).toEqual(trials.map((t) => t.trialKey).sort());
    expect(trialLeases.map((l) => [l.claims, l.state])).toEqual(Array(8).fill([1, 'done']));
    // The tiny tier's 2 random-baseline architectures, each trained once.
    expect(leases(store, 'evaluation:').filter((l) => l.claims !== 1)).toEqual([]);

    // Both runs were under way at the same time (or the test would show nothing about sharing).
    const [ra, rb] = read(store, (s) => [s.getRun('a')!, s.getRun('b')!]);
    expect(ra.startedAt < rb.finishedAt! && rb.startedAt < ra.finishedAt!).toBe(true);

    const [resultsA, resultsB] = read(store, (s) => [runResultsFromStore(s, 'a'), runResultsFromStore(s, 'b')]);
    expect(resultsB.cells).toEqual(resultsA.cells);
    expect(resultsB.comparisons).toEqual(resultsA.comparisons);

    const byRun = (id: string) => trials.filter((t) => t.runId === id).length;
    console.log(`two runs on one store: a ${(a.ms / 1000).toFixed(1)} s (${byRun('a')} trials computed), b ${(b.ms / 1000).toFixed(1)} s (${byRun('b')}), pair ${(pairMs / 1000).toFixed(1)} s`);
  }, 300_000);

  test('when one run is killed mid-run, the other takes over its claims and completes every trial once', async () => {
    const store = join(dir, 'killed.db');
    const victim = start(store, 'victim');
    const survivor = start(store, 'survivor');
    // Kill the victim (its whole process group, as a power cut would) once it holds a trial, noting
    // what it held at that moment.
    let heldAtKill: LeaseRecord[] | undefined;
    const poll = setInterval(() => {
      if (heldAtKill) return;
      try {
        const running = leases(store, 'trial:').filter((l) => l.state === 'running');
        if (running.length === 0) return;
        const group = groupPids(victim.pid);
        const held = running.filter((l) => group.has(l.pid));
        if (held.length > 0) {
          process.kill(-victim.pid, 'SIGKILL');
          heldAtKill = held;
        }
      } catch {
        // the store or its leases table does not exist yet
      }
    }, 50);
    const v = await victim.done;
    clearInterval(poll);
    expect(v.signal).toBe('SIGKILL');
    expect(heldAtKill?.length).toBeGreaterThan(0);

    const s = await survivor.done;
    expect(s.code, s.output).toBe(0);
    const trials = completed(store);
    expect(trials).toHaveLength(8);
    expect(new Set(trials.map((t) => t.trialKey)).size).toBe(8);
    const after = new Map(leases(store, 'trial:').map((l) => [l.key, l]));
    expect([...after.values()].every((l) => l.state === 'done')).toBe(true);
    // What the victim held and never stored was taken over once: its claim and the survivor's, no third.
    const storedBy = new Map(trials.map((t) => [`trial:${t.trialKey}`, t.runId]));
    const orphaned = heldAtKill!.filter((l) => storedBy.get(l.key) !== 'victim').map((l) => l.key);
    expect(orphaned.length).toBeGreaterThan(0);
    for (const key of orphaned) expect({ key, claims: after.get(key)!.claims, by: storedBy.get(key) }).toEqual({ key, claims: 2, by: 'survivor' });
    expect([...after.values()].filter((l) => !orphaned.includes(l.key)).every((l) => l.claims === 1)).toBe(true);
  }, 300_000);
});
