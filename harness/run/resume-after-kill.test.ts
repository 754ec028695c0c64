// Killing `naspoison run` mid-run and running it again completes the matrix with no trial lost or
// duplicated, and without rerunning the trials that had completed. Real trials, at the tiny test tier.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore, type TrialRecord } from '../store/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin/naspoison.mjs');
const TIER = join(ROOT, 'fixtures/tiers/tiny.json');
const dir = mkdtempSync(join(tmpdir(), 'naspoison-resume-'));
const store = join(dir, 'store.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function completed(): TrialRecord[] {
  const s = openStore(store, { readonly: true, create: false, integrityCheck: 'none' });
  try {
    return s.listTrials({ status: 'completed' });
  } finally {
    s.close();
  }
}

function run(
  runId: string,
  options: { killAfterTrials?: number; workers?: number; storePath?: string } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', '--tier', TIER, '--store', options.storePath ?? store, '--fixture', '--no-report', '--run-id', runId, 'benchmarks/pdarts/random-label-flip'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', NASPOISON_BACKEND: 'wasm', NASPOISON_WORKERS: String(options.workers ?? 2) },
      stdio: 'ignore',
      // Its own process group, so the kill takes the CLI, vitest and the trial workers at once,
      // as a power cut or a Ctrl-C in a terminal would.
      detached: true,
    });
    let timer: NodeJS.Timeout | undefined;
    const { killAfterTrials } = options;
    if (killAfterTrials !== undefined) {
      timer = setInterval(() => {
        try {
          if (completed().length >= killAfterTrials) process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // store not created yet
        }
      }, 100);
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal });
    });
  });
}

describe('resume after a kill', () => {
  test('a killed run resumes: every trial stored exactly once, completed ones not rerun', async () => {
    const first = await run('killed', { killAfterTrials: 3 });
    expect(first.signal).toBe('SIGKILL');
    const before = completed();
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(8);

    await run('resumed');
    const after = completed();
    // 4 arms (control + 3 budgets) × 2 trials.
    expect(after).toHaveLength(8);
    expect(new Set(after.map((t) => t.trialKey)).size).toBe(8);
    const arms = new Set(after.map((t) => `${t.attack}@${t.budget}#${t.trialIndex}`));
    expect(arms.size).toBe(8);
    for (const t of before) {
      const again = after.find((a) => a.trialKey === t.trialKey)!;
      expect(again.startedAt).toBe(t.startedAt);
      expect(again.runId).toBe('killed');
    }
    expect(after.filter((t) => t.runId === 'resumed')).toHaveLength(8 - before.length);
  }, 240_000);

  test('one process or two: the same trials give the same numbers', async () => {
    const sequential = join(dir, 'sequential.db');
    await run('sequential', { workers: 1, storePath: sequential });
    const s = openStore(sequential, { readonly: true, create: false });
    const one = s.listTrials({ status: 'completed' });
    s.close();
    const two = completed();
    expect(one).toHaveLength(8);
    for (const t of one) {
      const other = two.find((x) => x.trialKey === t.trialKey)!;
      expect(other.genotype).toBe(t.genotype);
      expect(other.accuracy).toBe(t.accuracy);
      expect(other.poisonHash).toBe(t.poisonHash);
    }
  }, 240_000);
});
