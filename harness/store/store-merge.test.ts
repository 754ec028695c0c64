import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { StoreError } from './errors.js';
import { mergeStores } from './merge.js';
import { openStore } from './store.js';
import { makeTrial, tempDir, TEST_ENVIRONMENT } from './test-helpers.js';
import type { TrialRecord } from './types.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
let serial = 0;

/** A store file holding `trials`, runs `runIds` and cache entries `cache` ([namespace, key, json]). */
function shard(trials: TrialRecord[], runIds: string[] = [], cache: Array<[string, string, string]> = []): string {
  const path = join(dir, `shard-${serial++}.sqlite`);
  const store = openStore(path);
  store.putTrials(trials);
  for (const runId of runIds) {
    store.recordRun({ runId, startedAt: `2025-01-0${runIds.indexOf(runId) + 1}T00:00:00.000Z`, tier: 'smoke', command: 'naspoison run', specFiles: ['a.spec.ts'], environment: TEST_ENVIRONMENT, codeVersion: 'abc' });
  }
  for (const [ns, key, json] of cache) store.putCached(ns, key, json, { by: path });
  store.close();
  return path;
}

describe('mergeStores', () => {
  test('copies trials, runs and cache rows of several shards into a new store', () => {
    const a = shard([makeTrial({ trialIndex: 0 }), makeTrial({ trialIndex: 1 })], ['run-a'], [['accuracy', 'g1', '{"accuracy":80}']]);
    const b = shard([makeTrial({ trialIndex: 2 }), makeTrial({ attack: 'clean', budget: 0 })], ['run-b'], [['random-baseline', 's', '[1,2]']]);
    const target = join(dir, 'merged', 'all.sqlite');
    const report = mergeStores(target, [a, b]);
    expect(report.trials).toEqual({ inserted: 4, replaced: 0, skipped: 0, conflicts: 0 });
    expect(report.runs).toEqual({ inserted: 2, replaced: 0, skipped: 0, conflicts: 0 });
    expect(report.cache).toEqual({ inserted: 2, replaced: 0, skipped: 0, conflicts: 0 });
    expect(report.conflicts).toEqual([]);

    const merged = openStore(target, { readonly: true });
    const sourceA = openStore(a, { readonly: true });
    expect(merged.countTrials()).toBe(4);
    expect(merged.getTrial(makeTrial({ trialIndex: 1 }).trialKey)).toEqual(makeTrial({ trialIndex: 1 }));
    expect(merged.listRuns().map((r) => r.runId)).toEqual(['run-a', 'run-b']);
    expect(merged.getCachedEntry('accuracy', 'g1')).toEqual(sourceA.getCachedEntry('accuracy', 'g1'));
    merged.close();
    sourceA.close();

    // Merging the same shards again changes nothing.
    const again = mergeStores(target, [a, b]);
    expect(again.trials).toEqual({ inserted: 0, replaced: 0, skipped: 4, conflicts: 0 });
    expect(again.runs.skipped).toBe(2);
    expect(again.cache.skipped).toBe(2);
  });

  test('same key with the same results is skipped even when timing differs; an errored row is completed', () => {
    const done = makeTrial({ trialIndex: 0 });
    const failed = makeTrial({ trialIndex: 1 }, { status: 'errored', error: 'OOM', accuracy: null });
    const target = shard([done, failed]);
    const source = shard([
      { ...done, startedAt: '2025-02-01T00:00:00.000Z', durationMs: 1, diagnostics: { searchMs: 99 }, codeVersion: 'other' },
      { ...failed, status: 'completed', accuracy: 70 },
    ]);
    const report = mergeStores(target, [source]);
    expect(report.trials).toEqual({ inserted: 0, replaced: 1, skipped: 1, conflicts: 0 });
    const store = openStore(target, { readonly: true });
    expect(store.getTrial(done.trialKey)).toEqual(done); // the target's row is kept
    expect(store.getTrial(failed.trialKey)?.status).toBe('completed');
    store.close();
  });

  test('same key with different results is reported as a conflict and the target row is kept', () => {
    const t = makeTrial({ trialIndex: 0 });
    const target = shard([t], ['run-1'], [['accuracy', 'g', '{"a":1,"b":2}'], ['accuracy', 'h', '{"a":1}']]);
    const source = shard([{ ...t, accuracy: 12.5, genotype: 'other' }], [], [['accuracy', 'g', '{ "b": 2, "a": 1 }'], ['accuracy', 'h', '{"a":2}']]);
    const before = openStore(target, { readonly: true });
    const trialsBefore = before.listTrials();
    before.close();

    const report = mergeStores(target, [source]);
    expect(report.trials.conflicts).toBe(1);
    expect(report.cache).toEqual({ inserted: 0, replaced: 0, skipped: 1, conflicts: 1 });
    expect(report.conflicts).toEqual([
      { table: 'trials', key: t.trialKey, source, fields: ['genotype', 'accuracy'] },
      { table: 'cache', key: 'accuracy/h', source, fields: ['value'] },
    ]);
    const after = openStore(target, { readonly: true });
    expect(after.listTrials()).toEqual(trialsBefore);
    expect(after.getCached('accuracy', 'h')).toBe('{"a":1}');
    after.close();
  });

  test('cached values that differ only in how long they took (every shard trains the random baseline) are the same result', () => {
    const value = (trainMs: number, accuracy: number) => JSON.stringify({ genotype: 'g', accuracy, trainMs, detail: { searchMs: trainMs * 2, steps: 4 } });
    const target = shard([], [], [['evaluation.v1', 'e', value(675.2, 81.5)]]);
    const same = shard([], [], [['evaluation.v1', 'e', value(859.9, 81.5)]]);
    const different = shard([], [], [['evaluation.v1', 'e', value(859.9, 81.6)]]);
    expect(mergeStores(target, [same]).cache).toEqual({ inserted: 0, replaced: 0, skipped: 1, conflicts: 0 });
    const report = mergeStores(target, [different]);
    expect(report.cache).toEqual({ inserted: 0, replaced: 0, skipped: 0, conflicts: 1 });
    expect(report.conflicts).toEqual([{ table: 'cache', key: 'evaluation.v1/e', source: different, fields: ['value'] }]);
  });

  test('an unfinished run is completed by a shard that saw it finish; a differing run is a conflict', () => {
    const target = shard([], ['r1', 'r2']);
    const sourcePath = join(dir, 'finished-runs.sqlite');
    copyFileSync(target, sourcePath);
    const source = openStore(sourcePath);
    source.finishRun('r1', '2025-01-01T05:00:00.000Z', 0);
    source.close();
    const report = mergeStores(target, [sourcePath]);
    expect(report.runs).toEqual({ inserted: 0, replaced: 1, skipped: 1, conflicts: 0 });

    const other = openStore(sourcePath);
    other.recordRun({ runId: 'r3', startedAt: '2025-03-01T00:00:00.000Z', tier: 'paper', command: 'x', specFiles: [], environment: TEST_ENVIRONMENT, codeVersion: 'abc' });
    other.close();
    const store = openStore(target);
    store.recordRun({ runId: 'r3', startedAt: '2025-03-01T00:00:00.000Z', tier: 'smoke', command: 'x', specFiles: [], environment: TEST_ENVIRONMENT, codeVersion: 'abc' });
    store.close();
    const second = mergeStores(target, [sourcePath]);
    expect(second.conflicts).toEqual([{ table: 'runs', key: 'r3', source: sourcePath, fields: ['tier'] }]);
  });

  test('a bad source aborts the whole merge before anything is written, and a store cannot merge into itself', () => {
    const good = shard([makeTrial({ trialIndex: 0 })]);
    const target = join(dir, 'never-created.sqlite');
    expect(() => mergeStores(target, [good, join(dir, 'missing.sqlite')])).toThrow(/missing\.sqlite: no such store/);
    expect(() => openStore(target, { create: false })).toThrow(StoreError);
    expect(() => mergeStores(good, [good])).toThrow(/cannot merge a store into itself/);
  });
});
