import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from './store.js';
import { makeTrial, runChild, tempDir } from './test-helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe.concurrent('crash safety', () => {
test('a process killed (SIGKILL) inside a transaction leaves the previous state, and the store opens fine', async () => {
  const path = join(dir, 'killed-in-transaction.sqlite');
  let walBytes = 0;
  const result = await runChild('killed-in-transaction.ts', [path], (line, kill) => {
    const match = /^in-transaction (\d+)$/.exec(line);
    if (match) {
      walBytes = Number(match[1]);
      kill('SIGKILL');
    }
  });
  expect(result.signal).toBe('SIGKILL');
  // The uncommitted transaction had spilled pages into the WAL before the kill.
  expect(walBytes).toBeGreaterThan(100_000);
  expect(existsSync(`${path}-wal`)).toBe(true);

  const store = openStore(path, { integrityCheck: 'full' });
  expect(store.listTrials().map((t) => t.matrix)).toEqual(['committed']);
  expect(store.countTrials({ matrix: 'uncommitted' })).toBe(0);
  // The killed writer's lock is gone: new writes go through.
  expect(store.putTrial(makeTrial({ matrix: 'after-crash' }))).toBe(true);
  store.close();
  expect(openStore(path, { readonly: true }).countTrials()).toBe(2);
});

test('a process killed while writing leaves every committed trial intact and nothing half-written', async () => {
  const path = join(dir, 'killed-while-writing.sqlite');
  let acknowledged = 0;
  const result = await runChild('killed-while-writing.ts', [path], (line, kill) => {
    const match = /^wrote (\d+)$/.exec(line);
    if (match) {
      acknowledged = Number(match[1]);
      if (acknowledged === 40) kill('SIGKILL');
    }
  });
  expect(result.signal).toBe('SIGKILL');
  expect(statSync(path).size).toBeGreaterThan(0);

  const store = openStore(path, { integrityCheck: 'full' });
  const trials = store.listTrials();
  // At least every acknowledged commit survived; rows are whole (their JSON parses, indices are contiguous).
  expect(trials.length).toBeGreaterThanOrEqual(acknowledged);
  expect(trials.map((t) => t.trialIndex)).toEqual(Array.from({ length: trials.length }, (_, i) => i));
  for (const t of trials) expect(t.params['i']).toBe(t.trialIndex);
  store.close();
});
});
