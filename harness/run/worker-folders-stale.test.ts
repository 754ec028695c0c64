// What `kill -9` leaves in the temp directory — the worker folders of a run whose `finally` never
// ran — is removed on the next start, and only that: folders of live processes, of other hosts
// and without a recorded owner are kept.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  test('a zombie owner (killed, not yet reaped by init) counts as gone', async (ctx) => {
    if (!existsSync('/proc/self/stat')) return ctx.skip('no /proc: zombies cannot be told from live processes here');
    // `sleep 0` exits at once, and its parent (exec'd into `sleep 3`) never reaps it: a zombie for 3 s.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 3'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number((await once(parent.stdout, 'data'))[0]);
      for (let i = 0; i < 50 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toContain(') Z ');
      const zombie = folder(`${WORKER_FOLDER_PREFIX}${pid}-zzzzzz`, { ...currentProcess(), pid });
      expect(removeStaleWorkerFolders(dir)).toEqual([zombie]);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('a missing temp directory is no error', () => {
    expect(removeStaleWorkerFolders(join(dir, 'absent'))).toEqual([]);
  });
});
