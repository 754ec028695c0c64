import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { APPLICATION_ID, SCHEMA_VERSION, STORE_FORMAT } from './schema.js';
import { openStore, type TrialStore } from './store.js';
import { StoreError } from './errors.js';
import { makeTrial, tempDir, TEST_ENVIRONMENT } from './test-helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});
function freshStore(): { store: TrialStore; path: string; dir: string } {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'nested', 'deeper', 'results.sqlite');
  const store = openStore(path);
  cleanups.push(() => {
    store.close();
    cleanup();
  });
  return { store, path, dir };
}

describe('a new store', () => {
  test('is created with its parent folders, in WAL mode, identified by format, schema version and application_id', () => {
    const { store, path } = freshStore();
    expect(existsSync(path)).toBe(true);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const meta = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    expect(meta['format']).toBe(STORE_FORMAT);
    expect(meta['schema_version']).toBe(String(SCHEMA_VERSION));
    const columns = (db.prepare('PRAGMA table_info(trials)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(expect.arrayContaining(['trial_key', 'matrix', 'nas', 'attack', 'budget', 'defence', 'trial_index', 'tier', 'diagnostics_json', 'params_json', 'environment_json']));
    const indexed = (db.prepare(`SELECT name FROM pragma_index_list('trials')`).all() as { name: string }[]).length;
    expect(indexed).toBeGreaterThanOrEqual(8);
    db.close();
  });

  test('is not created when create is false or the store is opened read-only', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'absent.sqlite');
    expect(() => openStore(path, { create: false })).toThrow(/absent\.sqlite: no such store/);
    expect(() => openStore(path, { readonly: true })).toThrow(StoreError);
    expect(existsSync(path)).toBe(false);
  });
});

describe('trials', () => {
  test('round-trip every field exactly, and persist across reopening', () => {
    const { store, path } = freshStore();
    const trial = makeTrial({}, { runId: 'run-1', environment: { ...TEST_ENVIRONMENT, gpu: 'NVIDIA H100' }, seed: 2 ** 40 + 3 });
    const errored = makeTrial({ trialIndex: 1 }, { status: 'errored', error: 'search diverged', accuracy: null, deltaImprovement: null, genotype: null, canonicalGenotype: null });
    expect(store.putTrial(trial)).toBe(true);
    expect(store.putTrial(errored)).toBe(true);
    expect(store.getTrial(trial.trialKey)).toEqual(trial);
    expect(store.getTrial(errored.trialKey)).toEqual(errored);
    store.close();
    const again = openStore(path, { readonly: true });
    expect(again.getTrial(trial.trialKey)).toEqual(trial);
    expect(again.getTrial('f'.repeat(64))).toBeUndefined();
    again.close();
  });

  test('a completed trial is never overwritten; an errored one is replaced only by a completed one', () => {
    const { store } = freshStore();
    const first = makeTrial();
    expect(store.putTrial(first)).toBe(true);
    expect(store.putTrial({ ...first, accuracy: 10 })).toBe(false);
    expect(store.putTrial({ ...first, status: 'errored', error: 'late failure' })).toBe(false);
    expect(store.getTrial(first.trialKey)?.accuracy).toBe(81.25);

    const failed = makeTrial({ trialIndex: 7 }, { status: 'errored', error: 'out of memory' });
    expect(store.putTrial(failed)).toBe(true);
    expect(store.hasTrial(failed.trialKey)).toBe(false);
    expect(store.hasTrial(failed.trialKey, { includeErrored: true })).toBe(true);
    expect(store.putTrial({ ...failed, error: 'another failure' })).toBe(false);
    expect(store.getTrial(failed.trialKey)?.error).toBe('out of memory');
    const { error: _dropped, ...completed } = { ...failed, status: 'completed' as const };
    expect(store.putTrial(completed)).toBe(true);
    expect(store.getTrial(failed.trialKey)).toEqual(completed);
    expect(store.hasTrial(failed.trialKey)).toBe(true);
  });

  test('listTrials filters by identity, status and code version, in a deterministic order', () => {
    const { store } = freshStore();
    const records = [
      makeTrial({ nas: 'tenas', trialIndex: 1 }),
      makeTrial({ nas: 'pdarts', budget: 0.5, trialIndex: 0 }),
      makeTrial({ nas: 'pdarts', budget: 0.01, trialIndex: 2 }),
      makeTrial({ nas: 'pdarts', budget: 0.01, trialIndex: 1 }, { codeVersion: 'def456' }),
      makeTrial({ attack: 'clean', budget: 0, trialIndex: 0 }),
      makeTrial({ nas: 'pdarts', budget: 0.5, trialIndex: 3 }, { status: 'errored', error: 'boom' }),
    ];
    // Insert in two different orders into two stores: the listing must be identical.
    expect(store.putTrials(records)).toBe(records.length);
    const other = freshStore().store;
    other.putTrials([...records].reverse());
    const keys = store.listTrials().map((t) => t.trialKey);
    expect(other.listTrials().map((t) => t.trialKey)).toEqual(keys);
    expect(store.listTrials().map((t) => `${t.attack}/${t.nas}/${t.budget}/${t.trialIndex}`)).toEqual([
      'clean/pdarts/0/0',
      'random-label-flip/pdarts/0.01/1',
      'random-label-flip/pdarts/0.01/2',
      'random-label-flip/pdarts/0.5/0',
      'random-label-flip/pdarts/0.5/3',
      'random-label-flip/tenas/0.1/1',
    ]);
    expect(store.listTrials({ nas: 'pdarts', budget: 0.01 }).map((t) => t.trialIndex)).toEqual([1, 2]);
    expect(store.listTrials({ status: 'errored' })).toHaveLength(1);
    expect(store.listTrials({ codeVersion: 'def456' })).toHaveLength(1);
    expect(store.listTrials({ backend: 'cpu', tier: 'smoke' })).toHaveLength(6);
    expect(store.countTrials({ nas: 'pdarts' })).toBe(5);
    expect(store.deleteErrored()).toBe(1);
    expect(store.countTrials()).toBe(5);
  });

  test('malformed records are refused with the fields named, and nothing is written', () => {
    const { store } = freshStore();
    const good = makeTrial();
    const bad = [
      [{ ...good, trialKey: 'not-a-hash' }, /trialKey must be 64 lowercase hex/],
      [{ ...good, budget: 1 }, /budget must be in \[0, 1\)/],
      [{ ...good, accuracy: Number.NaN }, /accuracy must be null or a finite number/],
      [{ ...good, diagnostics: { loss: Number.POSITIVE_INFINITY } }, /diagnostics\.loss must be a finite number/],
      [{ ...good, status: 'errored' as const }, /errored trial needs its error message/],
      [{ ...good, params: { when: new Date(0) } }, /params\.when is a Date/],
      [{ ...good, trialIndex: -1, matrix: '' }, /matrix must be a non-empty string; .*trialIndex must be a non-negative integer/],
    ] as const;
    for (const [record, message] of bad) {
      expect(() => store.putTrial(record)).toThrow(message);
    }
    // A batch with one bad record writes nothing.
    expect(() => store.putTrials([makeTrial({ trialIndex: 5 }), { ...good, budget: -0.5 }])).toThrow(StoreError);
    expect(store.countTrials()).toBe(0);
  });

  test('a read-only store refuses writes and a closed store refuses everything', () => {
    const { store, path } = freshStore();
    store.putTrial(makeTrial());
    store.close();
    store.close();
    expect(() => store.countTrials()).toThrow(/the store is closed/);
    const ro = openStore(path, { readonly: true });
    expect(ro.countTrials()).toBe(1);
    expect(() => ro.putTrial(makeTrial({ trialIndex: 1 }))).toThrow(expect.objectContaining({ code: 'readonly' }));
    ro.close();
  });

  test('transaction() commits all writes together or none of them', () => {
    const { store } = freshStore();
    expect(() =>
      store.transaction(() => {
        store.putTrial(makeTrial({ trialIndex: 0 }));
        store.putCached('accuracy', 'k', '{"a":1}');
        throw new Error('abort');
      }),
    ).toThrow(/abort/);
    expect(store.countTrials()).toBe(0);
    expect(store.getCached('accuracy', 'k')).toBeUndefined();
    store.transaction(() => {
      store.putTrial(makeTrial({ trialIndex: 0 }));
      store.putTrial(makeTrial({ trialIndex: 1 }));
    });
    expect(store.countTrials()).toBe(2);
  });
});

describe('runs', () => {
  test('are recorded, finished once, listed oldest first, and the latest is found', () => {
    const { store } = freshStore();
    expect(store.latestRun()).toBeUndefined();
    const base = { tier: 'smoke', command: 'naspoison run --tier smoke', specFiles: ['benchmarks/pdarts/random-label-flip.spec.ts'], environment: TEST_ENVIRONMENT, codeVersion: 'abc' };
    store.recordRun({ ...base, runId: 'b', startedAt: '2025-01-02T00:00:00.000Z' });
    store.recordRun({ ...base, runId: 'a', startedAt: '2025-01-01T00:00:00.000Z' });
    expect(() => store.recordRun({ ...base, runId: 'a', startedAt: '2025-01-03T00:00:00.000Z' })).toThrow(/run a is already recorded/);
    store.finishRun('a', '2025-01-01T01:00:00.000Z', 0);
    expect(() => store.finishRun('a', '2025-01-01T02:00:00.000Z', 1)).toThrow(/already finished/);
    expect(() => store.finishRun('zzz', '2025-01-01T02:00:00.000Z', 1)).toThrow(/no run zzz/);
    expect(store.listRuns().map((r) => [r.runId, r.exitCode])).toEqual([
      ['a', 0],
      ['b', null],
    ]);
    expect(store.latestRun()).toEqual({ ...base, runId: 'b', startedAt: '2025-01-02T00:00:00.000Z', finishedAt: null, exitCode: null });
  });
});

describe('cache', () => {
  test('is content addressed: the first value for a key stays, with its meta', () => {
    const { store } = freshStore();
    expect(store.getCached('accuracy', 'g1')).toBeUndefined();
    expect(store.putCached('accuracy', 'g1', '{"accuracy":80.5}', { recipe: 'nb201-12ep' })).toBe(true);
    expect(store.putCached('accuracy', 'g1', '{"accuracy":1}')).toBe(false);
    expect(store.getCached('accuracy', 'g1')).toBe('{"accuracy":80.5}');
    expect(store.getCachedEntry('accuracy', 'g1')).toMatchObject({ namespace: 'accuracy', key: 'g1', meta: { recipe: 'nb201-12ep' } });
    expect(store.getCached('random-baseline', 'g1')).toBeUndefined();
    store.putCached('random-baseline', 'space', '[1,2,3]');
    expect(store.listCached().map((e) => `${e.namespace}/${e.key}`)).toEqual(['accuracy/g1', 'random-baseline/space']);
    expect(store.listCached('accuracy')).toHaveLength(1);
    expect(() => store.putCached('accuracy', 'g2', '{oops')).toThrow(/accuracy\/g2: the value is not valid JSON/);
  });
});
