// A run's results assembled from the store: matrices recorded under the run id, their trials and
// the recorded assertions; mixed code versions named; unknown runs refused naming the known ones.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore, trialKey, type TrialRecord } from '../store/index.js';
import { CLEAN_ATTACK as CLEAN } from './cells.js';
import { reportableRunIds, runResultsFromStore } from './from-store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naspoison-from-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const environment = { backend: 'wasm', tfjs: '4.22.0', node: 'v20', platform: 'linux', arch: 'x64', cpuModel: 'test', cpuCount: 2 };

function trial(nas: string, attack: string, budget: number, i: number, accuracy: number, codeVersion = 'abc123'): TrialRecord {
  const identity = { matrix: nas, nas, attack, budget, defence: 'none', trialIndex: i, tier: 'smoke' };
  return {
    ...identity,
    trialKey: trialKey(identity, { v: 1 }, 'data', 'wasm'),
    seed: i,
    status: 'completed',
    dataset: 'fashion-mnist@16x16',
    datasetHash: 'data',
    poisonHash: attack === CLEAN ? null : 'poison',
    genotype: null,
    canonicalGenotype: null,
    accuracy,
    randomBaselineMean: 80,
    deltaImprovement: accuracy - 80,
    diagnostics: { skipConnections: attack === CLEAN ? 0 : 1 + (i % 2) },
    params: {},
    environment,
    codeVersion,
    runId: 'r1',
    startedAt: '2026-11-28T00:00:00.000Z',
    finishedAt: '2026-11-28T00:01:00.000Z',
    durationMs: 60_000,
  };
}

function makeStore(name: string, versions: (i: number) => string = () => 'abc123'): string {
  const path = join(dir, name);
  const store = openStore(path);
  const trials = [0, 1, 2].flatMap((i) => [trial('pdarts', CLEAN, 0, i, 85 + i * 0.5, versions(i)), trial('pdarts', 'random-label-flip', 0.5, i, 78 + i * 0.5, versions(i))]);
  store.putTrials(trials);
  store.recordRun({ runId: 'r1', startedAt: '2026-11-28T00:00:00.000Z', tier: 'smoke', command: 'naspoison run', specFiles: ['x'], environment, codeVersion: 'abc123' });
  store.putCached(
    'run-matrix.v1',
    'r1\u0000pdarts × random-label-flip\u0000k',
    JSON.stringify({
      runId: 'r1',
      label: 'pdarts × random-label-flip',
      spec: { nas: 'pdarts', attack: 'random-label-flip', budgets: [0.5], defence: 'none' },
      tracked: ['accuracy', 'deltaImprovement', 'skipConnections'],
      alpha: 0.05,
      trialKeys: trials.map((t) => t.trialKey),
      tier: 'smoke',
      randomBaseline: { samples: 8, mean: 80, sd: 1.5, recipe: 'smoke-eval-4ep' },
      dataset: { name: 'fashion-mnist@16x16', source: 'fixture', hash: 'data', trainSize: 2000, testSize: 1000, resolution: 16 },
      recordedAt: '2026-11-28T00:02:00.000Z',
    }),
  );
  store.putCached('run-assertion.v1', 'r1\u0000a', JSON.stringify({ runId: 'r1', file: 'benchmarks/x.spec.ts', name: 'drops', status: 'passed', message: 'ok' }));
  store.close();
  return path;
}

describe('results from the store', () => {
  test('a recorded run becomes valid results with its cells, comparisons and assertions', () => {
    const store = openStore(makeStore('one.db'), { readonly: true });
    expect(reportableRunIds(store)).toEqual(['r1']);
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.run.codeVersion).toBe('abc123');
    expect(results.cells.map((c) => `${c.attack}@${c.budget}:${c.n}`)).toEqual(['clean@0:3', 'random-label-flip@0.5:3']);
    const dimp = results.comparisons.find((c) => c.metric === 'deltaImprovement')!;
    expect(dimp.verdict).toBe('significant');
    expect(results.comparisons.find((c) => c.metric === 'skipConnections')?.alternative).toBe('greater');
    expect(results.assertions).toEqual([{ file: 'benchmarks/x.spec.ts', name: 'drops', status: 'passed', message: 'ok' }]);
    expect(results.randomBaseline.mean).toBe(80);
  });

  test('trials reused from other commits are named, not refused', () => {
    const store = openStore(makeStore('mixed.db', (i) => (i === 0 ? 'old999' : 'abc123')), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.run.codeVersion).toBe('abc123 (trials from 2 code versions: abc123, old999)');
  });

  test('an unknown run is refused naming the runs that have results', () => {
    const store = openStore(makeStore('unknown.db'), { readonly: true });
    expect(() => runResultsFromStore(store, 'nope')).toThrow(/run "nope" recorded no matrices .*runs with results: r1/);
    store.close();
  });

  test('the CLI renders the report and the leaderboard, and merges stores', () => {
    const path = makeStore('cli.db');
    const cli = (...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bin/naspoison.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const out = join(dir, 'reports');
    expect(cli('report', '--store', path, '--out', out)).toContain(join(out, 'r1', 'report.md'));
    expect(readFileSync(join(out, 'r1', 'report.md'), 'utf8')).toContain('| pdarts | random-label-flip | 50% | none | 3 |');
    expect(cli('report', '--store', path, '--list').trim()).toBe('r1');
    cli('leaderboard', '--store', path, '--out', join(dir, 'board'));
    expect(readFileSync(join(dir, 'board', 'leaderboard.md'), 'utf8')).toContain('random-label-flip at 50%');
    const merged = join(dir, 'merged.db');
    expect(cli('merge', merged, path)).toContain('trials: 6 added');
    expect(existsSync(merged)).toBe(true);
    expect(cli('merge', merged, path)).toContain('trials: 0 added, 0 replaced, 6 already there, 0 conflicts');
  }, 60_000);
});
