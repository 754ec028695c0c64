// A read-only open writes nothing: no byte of the store changes, no -wal/-shm appears beside it, and
// a write through the handle throws — so a store on read-only media can be listed and reported
// (`naspoison report` there used to fail with SQLITE_CANTOPEN). Runs that never recorded an end are
// told apart: running (their process lives), interrupted (it is gone), elsewhere (another host).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CLI, ROOT } from '../cli/test-utils.js';
import { currentProcess } from '../util/process.js';
import { openStore, recordRunStart, runState, StoreError, type RunStart, type TrialStore } from './index.js';
import { fileSha256, makeTrial, tempDir, TEST_ENVIRONMENT } from './test-helpers.js';

const { dir, cleanup } = tempDir('naspoison-readonly-');
afterAll(cleanup);

const start = (runId: string, minute: number): RunStart => ({
  runId,
  startedAt: `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
  tier: 'tiny',
  command: 'naspoison run',
  specFiles: ['benchmarks/x.spec.ts'],
  environment: TEST_ENVIRONMENT,
  codeVersion: 'abc123',
});

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** A closed store (no live WAL) with trials and one run in each state. */
function makeStore(path: string): void {
  const store = openStore(path);
  store.putTrials([0, 1, 2].map((i) => makeTrial({ trialIndex: i }, { runId: 'finished' })));
  const me = currentProcess();
  recordRunStart(store, start('finished', 1), me);
  store.finishRun('finished', '2026-01-01T00:02:00.000Z', 0);
  recordRunStart(store, start('killed', 3), { ...me, pid: deadPid() });
  recordRunStart(store, start('going', 4), me);
  recordRunStart(store, start('remote', 5), { pid: 1, host: `${me.host}-elsewhere` });
  store.recordRun(start('legacy', 6)); // recorded before runs recorded their process
  store.close();
}

function sideFiles(folder: string, name: string): string[] {
  return readdirSync(folder).filter((f) => f !== name);
}

function expectReadonlyError(store: TrialStore, write: () => unknown): void {
  try {
    write();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('readonly');
    return;
  }
  throw new Error(`a write on the read-only store ${store.path} did not throw`);
}

describe('read-only opens', () => {
  test('read everything, change no byte, create no -wal/-shm, and refuse writes', () => {
    const folder = join(dir, 'plain');
    mkdirSync(folder);
    const path = join(folder, 'store.db');
    makeStore(path);
    expect(sideFiles(folder, 'store.db')).toEqual([]); // closed: the WAL was checkpointed away
    const hash = fileSha256(path);
    const mtime = statSync(path).mtimeMs;

    const store = openStore(path, { readonly: true, create: false });
    try {
      expect(store.readonly).toBe(true);
      expect(store.listRuns().map((r) => r.runId)).toEqual(['finished', 'killed', 'going', 'remote', 'legacy']);
      expect(store.countTrials()).toBe(3);
      expect(sideFiles(folder, 'store.db')).toEqual([]);
      expectReadonlyError(store, () => store.putTrial(makeTrial({ trialIndex: 9 })));
      expectReadonlyError(store, () => store.recordRun(start('new', 9)));
      expectReadonlyError(store, () => store.finishRun('killed', '2026-01-01T01:00:00.000Z', 1));
      expectReadonlyError(store, () => store.putCached('ns', 'k', '1'));
      expectReadonlyError(store, () => store.deleteErrored());
      expectReadonlyError(store, () => store.transaction(() => 1));

      const states = Object.fromEntries(store.listRuns().map((r) => [r.runId, runState(store, r).state]));
      expect(states).toEqual({ finished: 'finished', killed: 'interrupted', going: 'running', remote: 'unfinished-elsewhere', legacy: 'interrupted' });
    } finally {
      store.close();
    }
    expect(fileSha256(path)).toBe(hash);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(sideFiles(folder, 'store.db')).toEqual([]);
  });

  test('a store with a live WAL (a writer still open) is read with the WAL\'s committed rows', () => {
    const live = join(dir, 'live.db');
    const writer = openStore(live);
    try {
      writer.putTrial(makeTrial({ trialIndex: 5 }));
      const reader = openStore(live, { readonly: true });
      try {
        expect(reader.countTrials()).toBe(1);
        expectReadonlyError(reader, () => reader.putTrial(makeTrial({ trialIndex: 6 })));
      } finally {
        reader.close();
      }
    } finally {
      writer.close();
    }
  });
});

/**
 * Runs the CLI with `folder` mounted read-only at `mount` (a bind mount in a private mount
 * namespace, `unshare -rm`, so nothing outlives the command and no privileges are needed where
 * user namespaces are allowed). Without unshare, a non-root user gets the same from permissions;
 * root (which ignores them) gets a skip.
 */
function readOnlyMedia(): { available: true; run: (folder: string, mount: string, args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }> } | { available: false; why: string } {
  const probe = join(dir, 'probe');
  const probeMount = join(dir, 'probe-mount');
  mkdirSync(probe, { recursive: true });
  mkdirSync(probeMount, { recursive: true });
  const script = 'mount --bind "$1" "$2" && mount -o remount,ro,bind "$2" && shift 2 && exec "$@"';
  const ok = spawnSync('unshare', ['-rm', 'sh', '-c', script, 'sh', probe, probeMount, 'sh', '-c', '! touch "$0/x" 2>/dev/null', probeMount]);
  const run = (folder: string, mount: string, args: string[], wrap: (argv: string[]) => string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      mkdirSync(mount, { recursive: true });
      const [command, ...rest] = wrap([process.execPath, CLI, ...args]);
      const child = spawn(command!, rest, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  if (ok.status === 0) return { available: true, run: (folder, mount, args) => run(folder, mount, args, (argv) => ['unshare', '-rm', 'sh', '-c', script, 'sh', folder, mount, ...argv]) };
  if (process.getuid?.() !== 0) {
    return {
      available: true,
      run: async (folder, mount, args) => {
        // Without a mount namespace: the folder itself, read-only by permissions (binding for non-root).
        spawnSync('chmod', ['-R', 'a-w', folder]);
        try {
          return await run(folder, mount, args.map((a) => a.split(mount).join(folder)), (argv) => argv);
        } finally {
          spawnSync('chmod', ['-R', 'u+w', folder]);
        }
      },
    };
  }
  return { available: false, why: `no read-only mount here (unshare -rm failed: ${ok.stderr?.toString().trim() || `exit ${ok.status}`}) and root ignores file permissions` };
}

describe('a store on read-only media', () => {
  const media = readOnlyMedia();

  test('report --list reads it and names each run\'s state; nothing is written', async (ctx) => {
    if (!media.available) return ctx.skip(media.why);
    const folder = join(dir, 'media');
    mkdirSync(folder);
    makeStore(join(folder, 'store.db'));
    const hash = fileSha256(join(folder, 'store.db'));
    const mount = join(dir, 'media-mount');
    const r = await media.run(folder, mount, ['report', '--list', '--store', join(mount, 'store.db')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^finished +finished · exit 0 +tier tiny +started 2026-01-01T00:01:00\.000Z +3 trials +no results$/);
    expect(lines[1]).toMatch(/^killed +interrupted \(process \d+ on .+ is gone; no exit code\)/);
    // The CLI is another process: the test's process, recorded as the owner, is alive.
    expect(lines[2]).toMatch(/^going +running \(pid \d+\)/);
    expect(lines[3]).toMatch(/^remote +not finished \(running or interrupted on .+-elsewhere, pid 1\)/);
    expect(lines[4]).toMatch(/^legacy +interrupted \(never finished; no exit code\)/);
    expect(fileSha256(join(folder, 'store.db'))).toBe(hash);
    expect(sideFiles(folder, 'store.db')).toEqual([]);
  });

  test('with an un-checkpointed WAL: read when its -shm is there, else refused with what to do', async (ctx) => {
    if (!media.available) return ctx.skip(media.why);
    // A writer that died with its WAL: copy the three files while it is open.
    const live = join(dir, 'crashed.db');
    const writer = openStore(live);
    writer.recordRun(start('in-wal', 1));
    const withShm = join(dir, 'with-shm');
    const withoutShm = join(dir, 'without-shm');
    mkdirSync(withShm);
    mkdirSync(withoutShm);
    for (const suffix of ['', '-wal', '-shm']) copyFileSync(`${live}${suffix}`, join(withShm, `store.db${suffix}`));
    for (const suffix of ['', '-wal']) copyFileSync(`${live}${suffix}`, join(withoutShm, `store.db${suffix}`));
    writer.close();

    const read = await media.run(withShm, join(dir, 'with-shm-mount'), ['report', '--list', '--store', join(dir, 'with-shm-mount', 'store.db')]);
    expect(read.stderr).toBe('');
    expect(read.stdout).toMatch(/^in-wal +interrupted/);
    expect(read.code).toBe(0);

    const refused = await media.run(withoutShm, join(dir, 'without-shm-mount'), ['report', '--list', '--store', join(dir, 'without-shm-mount', 'store.db')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot open read-only: the store has a write-ahead log \(store\.db-wal\) that was never checkpointed.*read-only media\?.*copy the store together with its -wal file/);
    expect(sideFiles(withoutShm, 'store.db')).toEqual(['store.db-wal']);
  });
});
