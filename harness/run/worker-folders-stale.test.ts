// What `kill -9` leaves in the temp directory — the worker folders of a run whose `finally` never
// ran — is removed on the next start, and only that: folders of live processes, of other hosts
// and without a recorded owner are kept.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { currentProcess } from '../util/process.js';
import { removeStaleWorkerFolders, WORKER_FOLDER_PREFIX } from './workers.js';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-stale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (and was reaped): a dead owner. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function folder(name: string, owner?: object): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, 'worker-0.json'), '{}');
  if (owner !== undefined) writeFileSync(join(path, 'owner.json'), JSON.stringify(owner));
  return path;
}

describe('stale worker folders', () => {
  test('only folders whose owner process is gone are removed', () => {
    const me = currentProcess();
    const dead = deadPid();
    const deadOwned = folder(`${WORKER_FOLDER_PREFIX}${dead}-aaaaaa`, { ...me, pid: dead });
    const deadByName = folder(`${WORKER_FOLDER_PREFIX}${dead}-bbbbbb`); // killed before it wrote owner.json
    const live = folder(`${WORKER_FOLDER_PREFIX}${process.pid}-cccccc`, me);
    const otherHost = folder(`${WORKER_FOLDER_PREFIX}${dead}-dddddd`, { pid: dead, host: `${me.host}-elsewhere` });
    const legacy = folder(`${WORKER_FOLDER_PREFIX}eeeeee`); // an older naspoison's folder: owner unknown
    // The pid of a live process whose start time differs from the recorded one: pid reuse, so gone.
    const reused = me.startTicks === undefined ? undefined : folder(`${WORKER_FOLDER_PREFIX}${process.pid}-ffffff`, { ...me, startTicks: '1' });
    const unrelated = folder('naspoison-other-gggggg');

    const removed = removeStaleWorkerFolders(dir).sort();
    expect(removed).toEqual([deadOwned, deadByName, ...(reused ? [reused] : [])].sort());
    for (const kept of [live, otherHost, legacy, unrelated]) expect(existsSync(kept), kept).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(
      [`${WORKER_FOLDER_PREFIX}${process.pid}-cccccc`, `${WORKER_FOLDER_PREFIX}${dead}-dddddd`, `${WORKER_FOLDER_PREFIX}eeeeee`, 'naspoison-other-gggggg'].sort(),
    );
  });

  test('a missing temp directory is no error', () => {
    expect(removeStaleWorkerFolders(join(dir, 'absent'))).toEqual([]);
  });
});
