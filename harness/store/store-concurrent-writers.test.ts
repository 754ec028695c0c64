import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openStore } from './store.js';
import { runChild, tempDir } from './test-helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const WORKERS = 3;

test(`${WORKERS} processes creating and writing one store at once lose nothing and duplicate nothing`, async () => {
  const path = join(dir, 'shared', 'results.sqlite'); // does not exist yet: the workers race to create it
  const goFile = join(dir, 'go');
  let ready = 0;
  const children = Array.from({ length: WORKERS }, (_, worker) =>
    runChild('concurrent-writer.ts', [path, String(worker), goFile], (line) => {
      // Release all workers together once every one has opened the store.
      if (line === 'ready' && ++ready === WORKERS) writeFileSync(goFile, '');
    }),
  );
  const results = await Promise.all(children);
  for (const r of results) {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
  const counts = results.map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { own: number; shared: number });
  // Every worker inserted all 50 of its own trials; each of the 10 shared trials was inserted by exactly one worker.
  expect(counts.map((c) => c.own)).toEqual(Array(WORKERS).fill(50));
  expect(counts.reduce((n, c) => n + c.shared, 0)).toBe(10);

  const store = openStore(path, { readonly: true, integrityCheck: 'full' });
  const trials = store.listTrials();
  expect(trials).toHaveLength(WORKERS * 50 + 10);
  expect(new Set(trials.map((t) => t.trialKey)).size).toBe(trials.length);
  for (let w = 0; w < WORKERS; w++) {
    expect(store.listTrials({ matrix: `worker-${w}` }).map((t) => t.trialIndex)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  }
  const shared = store.listTrials({ matrix: 'shared' });
  expect(shared.map((t) => t.trialIndex)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  // The shared rows were written by whichever worker got there first, never overwritten afterwards.
  const firstWriters = new Map<string, number>();
  for (const t of shared) firstWriters.set(t.codeVersion, (firstWriters.get(t.codeVersion) ?? 0) + 1);
  expect([...firstWriters.values()].reduce((a, b) => a + b, 0)).toBe(10);
  counts.forEach((c, w) => expect(firstWriters.get(`worker-${w}`) ?? 0).toBe(c.shared));
  store.close();
});
