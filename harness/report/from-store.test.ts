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
import { machinesOf, reportableRunIds, runResultsFromStore } from './from-store.js';
import { renderMarkdown } from './render.js';

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

const CALIBRATION = {
  tier: 'smoke',
  recipe: 'smoke-eval-4ep',
  random: { n: 8, mean: 80, sd: 1.5 },
  seedNoise: { cell: '|nor_conv_3x3~0|', n: 5, sd: 0.6, mean: 84 },
  references: [{ name: 'best-known NB201 cell', genotype: '|nor_conv_3x3~0|', n: 5, mean: 86, sd: 0.4 }],
  headroom: 6,
  createdAt: '2026-11-27T00:00:00.000Z',
};

interface StoreOptions {
  versions?: (i: number) => string;
  /** Extra fields of the matrix entry (the new optional ones). */
  matrix?: Record<string, unknown>;
  /** A second matrix of another NAS, with these extra fields. */
  second?: Record<string, unknown>;
  assertions?: boolean;
  /** Finish run r1 with this exit code. */
  exitCode?: number;
}

function matrixEntry(nas: string, trials: TrialRecord[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    runId: 'r1',
    label: `${nas} × random-label-flip`,
    spec: { nas, attack: 'random-label-flip', budgets: [0.5], defence: 'none' },
    tracked: ['accuracy', 'deltaImprovement', 'skipConnections'],
    alpha: 0.05,
    trialKeys: trials.map((t) => t.trialKey),
    tier: 'smoke',
    randomBaseline: { samples: 8, mean: 80, sd: 1.5, recipe: 'smoke-eval-4ep' },
    dataset: { name: 'fashion-mnist@16x16', source: 'fixture', hash: 'data', trainSize: 2000, testSize: 1000, resolution: 16 },
    recordedAt: '2026-11-28T00:02:00.000Z',
    ...extra,
  });
}

function makeStore(name: string, options: StoreOptions = {}): string {
  const versions = options.versions ?? (() => 'abc123');
  const path = join(dir, name);
  const store = openStore(path);
  const trials = [0, 1, 2].flatMap((i) => [trial('pdarts', CLEAN, 0, i, 85 + i * 0.5, versions(i)), trial('pdarts', 'random-label-flip', 0.5, i, 78 + i * 0.5, versions(i))]);
  store.putTrials(trials);
  store.recordRun({ runId: 'r1', startedAt: '2026-11-28T00:00:00.000Z', tier: 'smoke', command: 'naspoison run', specFiles: ['x'], environment, codeVersion: 'abc123' });
  if (options.exitCode !== undefined) store.finishRun('r1', '2026-11-28T00:05:00.000Z', options.exitCode);
  store.putCached('run-matrix.v1', 'r1\u0000pdarts × random-label-flip\u0000k', matrixEntry('pdarts', trials, options.matrix));
  if (options.second) {
    const more = [0, 1, 2].flatMap((i) => [trial('random', CLEAN, 0, i, 82 + i * 0.4), trial('random', 'random-label-flip', 0.5, i, 82.2 + i * 0.4)]);
    store.putTrials(more);
    store.putCached('run-matrix.v1', 'r1\u0000random × random-label-flip\u0000k', matrixEntry('random', more, options.second));
  }
  // An old-format record: ignored.
  store.putCached('run-assertion.v1', 'r1\u0000a', JSON.stringify({ runId: 'r1', file: 'benchmarks/x.spec.ts', name: 'old', status: 'passed', message: 'ok' }));
  if (options.assertions !== false) {
    store.putCached(
      'run-assertions.v2',
      'r1',
      JSON.stringify({
        runId: 'r1',
        strict: true,
        assertions: [
          {
            file: 'benchmarks/x.spec.ts',
            name: 'drops',
            status: 'underpowered',
            message: 'inconclusive at this tier',
            verdicts: [
              { matcher: 'toBeSignificantlyBelow', isNot: false, sample: 'a', reference: 'b', metric: 'deltaImprovement', verdict: 'inconclusive', decided: false, margin: 1, p: 0.3, q: 0.3, marginP: 0.4, marginQ: 0.4, mde: 6.2, trialsNeeded: 34, nA: 3, nB: 3, text: 'full sentence' },
            ],
          },
        ],
      }),
    );
  }
  store.close();
  return path;
}

describe('results from the store', () => {
  test('trials of shards that ran on different machines (one backend and TF.js) report every machine; other backends are refused', () => {
    const a = trial('pdarts', CLEAN, 0, 0, 85);
    const b = { ...trial('pdarts', CLEAN, 0, 1, 86), environment: { ...environment, cpuModel: 'AMD EPYC 7763', cpuCount: 4 } };
    expect(machinesOf([a, a])).toBeUndefined();
    expect(machinesOf([a, b])).toEqual({ ...environment, cpuModel: 'AMD EPYC 7763 / test (trials ran on 2 machine configurations)', cpuCount: 2 });
    expect(machinesOf([a, { ...b, environment: { ...b.environment, backend: 'cpu' } }])).toBeUndefined();
  });

  test('a finished run carries its exit code into the results', () => {
    const store = openStore(makeStore('finished.db', { exitCode: 1 }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.run).toMatchObject({ command: 'naspoison run', exitCode: 1 });
  });

  test('a recorded run becomes valid results with its cells, comparisons and assertions', () => {
    const store = openStore(makeStore('one.db'), { readonly: true });
    expect(reportableRunIds(store)).toEqual(['r1']);
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.run.codeVersion).toBe('abc123');
    // The run is still going (no exit code recorded): the report says nothing of one.
    expect(results.run.command).toBe('naspoison run');
    expect(results.run.exitCode).toBeUndefined();
    expect(results.cells.map((c) => `${c.attack}@${c.budget}:${c.n}`)).toEqual(['clean@0:3', 'random-label-flip@0.5:3']);
    const dimp = results.comparisons.find((c) => c.metric === 'deltaImprovement')!;
    expect(dimp.verdict).toBe('harm-shown');
    expect(results.comparisons.find((c) => c.metric === 'skipConnections')?.alternative).toBe('greater');
    expect(results.assertions?.map((a) => [a.name, a.status, a.verdicts[0]?.trialsNeeded])).toEqual([['drops', 'underpowered', 34]]); // the v1 record is ignored
    expect(results.run.strict).toBe(true);
    expect(results.randomBaseline?.mean).toBe(80);
    // An old matrix entry: no margins, calibration or methods — read without them.
    expect(dimp.margin).toBeNull();
    expect(results.calibration).toBeUndefined();
    expect(results.methods).toBeUndefined();
  });

  test('margins, planning sds, the method and the calibration come from the matrix entries', () => {
    const method = { nas: 'pdarts', description: 'P-DARTS', deviations: ['2 stages × 3 epochs instead of 3 × 25'] };
    const store = openStore(makeStore('new.db', { matrix: { margins: { accuracy: 1, deltaImprovement: 1 }, planningSd: { accuracy: 0.6, deltaImprovement: 0.6 }, method, calibration: { ...CALIBRATION, extra: 'ignored' } } }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    const dimp = results.comparisons.find((c) => c.metric === 'deltaImprovement')!;
    expect(dimp.margin).toBe(1);
    expect(dimp.bound?.state).toBe('computed');
    expect(results.comparisons.find((c) => c.metric === 'skipConnections')?.margin).toBeNull();
    expect(results.methods).toEqual([method]);
    expect(results.calibration).toEqual(CALIBRATION);
  });

  test('a null calibration means none is stored for the tier', () => {
    const store = openStore(makeStore('nocal.db', { matrix: { calibration: null } }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.calibration).toBeNull();
  });

  test('no stored assertions: no assertions section', () => {
    const store = openStore(makeStore('noassert.db', { assertions: false }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.assertions).toBeUndefined();
    expect(results.run.strict).toBeUndefined();
  });

  test('matrices that declare different margins each apply their own to the cells they tested', () => {
    const store = openStore(makeStore('two.db', { matrix: { margins: { accuracy: 1 } }, second: { margins: { accuracy: 2 } } }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    const margins = Object.fromEntries(results.comparisons.filter((c) => c.metric === 'accuracy').map((c) => [c.cell, c.margin]));
    expect(margins).toEqual({ 'pdarts/random-label-flip/0.5/none': 1, 'random/random-label-flip/0.5/none': 2 });
    expect(renderMarkdown(results)).toContain('margins δ: accuracy / ΔImp: 1 pp (pdarts) or 2 pp (random)');
  });

  test('malformed margins are refused naming the matrix', () => {
    const store = openStore(makeStore('bad.db', { matrix: { margins: { accuracy: -1 } } }), { readonly: true });
    expect(() => runResultsFromStore(store, 'r1')).toThrow(/matrix "pdarts × random-label-flip" of run "r1": margins\.accuracy must be a number > 0, got -1/);
    store.close();
  });

  test('sequential records are read, keyed by cell, and their adjusted p-values used', () => {
    const stored = {
      arm: 'random-label-flip@0.5',
      budget: 0.5,
      design: { min: 2, max: 3, step: 1, shape: 'pocock', alpha: 0.05, margin: 1, metric: 'accuracy', looks: [2, 3] },
      looks: [
        { nA: 2, nB: 2, harmP: 0.04, harmLevel: 0.03, marginP: 0.9, marginLevel: 0.03 },
        { nA: 3, nB: 3, harmP: 0.002, harmLevel: 0.03, marginP: 0.95, marginLevel: 0.03 },
      ],
      stoppedAt: 3,
      reason: 'harm boundary crossed',
      adjustedHarmP: 0.021,
      adjustedMarginP: 0.97,
    };
    const store = openStore(makeStore('seq.db', { matrix: { margins: { accuracy: 1 }, sequential: [stored] } }), { readonly: true });
    const results = runResultsFromStore(store, 'r1');
    store.close();
    expect(results.sequential).toEqual([{ cell: 'pdarts/random-label-flip/0.5/none', ...stored }]);
    for (const metric of ['accuracy', 'deltaImprovement']) {
      const c = results.comparisons.find((x) => x.metric === metric)!;
      expect(c.comparison.state === 'computed' && c.comparison.p).toBe(0.021);
      expect(c.bound?.state === 'computed' && c.bound.p).toBe(0.97);
    }
    expect(renderMarkdown(results)).toContain('## Sequential trials');
  });

  test('a malformed sequential record is refused naming the matrix', () => {
    const store = openStore(makeStore('badseq.db', { matrix: { sequential: [{ arm: 'random-label-flip@0.5', budget: 0.5, design: { min: 1 } }] } }), { readonly: true });
    expect(() => runResultsFromStore(store, 'r1')).toThrow(/matrix "pdarts × random-label-flip" of run "r1": sequential\[0\] \(arm random-label-flip@0\.5\)\.design\.min must be an integer ≥ 2, got 1/);
    store.close();
    const notArray = openStore(makeStore('badseq2.db', { matrix: { sequential: { arm: 'x' } } }), { readonly: true });
    expect(() => runResultsFromStore(notArray, 'r1')).toThrow(/matrix "pdarts × random-label-flip" of run "r1": sequential must be an array/);
    notArray.close();
  });

  test('trials reused from other commits are named, not refused', () => {
    const store = openStore(makeStore('mixed.db', { versions: (i) => (i === 0 ? 'old999' : 'abc123') }), { readonly: true });
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
    expect(cli('report', '--store', path, '--list').trim()).toMatch(/^r1 +interrupted \(never finished; no exit code\) +tier smoke +started 2026-11-28T00:00:00\.000Z +6 trials +report$/);
    cli('leaderboard', '--store', path, '--out', join(dir, 'board'));
    expect(readFileSync(join(dir, 'board', 'leaderboard.md'), 'utf8')).toContain('random-label-flip at 50%');
    const merged = join(dir, 'merged.db');
    expect(cli('merge', merged, path)).toContain('trials: 6 added');
    expect(existsSync(merged)).toBe(true);
    expect(cli('merge', merged, path)).toContain('trials: 0 added, 0 replaced, 6 already there, 0 conflicts');
  }, 60_000);
});
