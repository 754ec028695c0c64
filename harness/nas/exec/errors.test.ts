// How an exec search fails: a command that cannot start, runs out of time (killed with its process
// group, SIGKILL when it ignores SIGTERM), exits non-zero, is killed by a signal, floods stdout or
// answers badly (not JSON, no genotype, an invalid genotype, unknown fields, nested diagnostics, the
// wrong number of panel scores) ends with an ExecNasError naming the command, what happened and
// the end of its stderr; the search folder is removed every time, and one left by a dead process
// is swept. When the searching process itself is killed with SIGKILL, the reaper takes the command's
// process group down. The commands are node scripts (testing/), so no Python is needed here.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { syntheticDataset } from '../../data/synthetic.js';
import { genotypeFromIndex } from '../../space/genotype.js';
import { processState } from '../../util/process.js';
import { EXEC_FOLDER_PREFIX, ExecNasError, execNasAlgorithm, type ExecNasOptions } from './index.js';

const MISBEHAVE = fileURLToPath(new URL('./testing/misbehave.mjs', import.meta.url));
const train = syntheticDataset({ n: 20, seed: 1, height: 4, width: 4, channels: 1, numClasses: 2 });

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'exec-errors-test-'));
});
afterEach(() => {
  rmSync(parent, { recursive: true, force: true });
});

/** Runs `misbehave.mjs <mode>` as a search and returns the error it ends with (it must end with one). */
async function failure(mode: string, extra: Partial<ExecNasOptions> = {}, logLines: string[] = []): Promise<ExecNasError> {
  const nas = execNasAlgorithm({ name: 'bad-method', description: 'misbehaves', family: 'baseline', command: [process.execPath, MISBEHAVE, mode], tempDir: parent, ...extra });
  const error = await Promise.resolve(nas.search({ train, settings: nas.settings(undefined), seed: 1, panel: [genotypeFromIndex(1), genotypeFromIndex(2)], log: (m) => logLines.push(m) })).then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof ExecNasError)) throw new Error(`mode ${mode}: expected an ExecNasError, got ${error === undefined ? 'a result' : String(error)}`);
  // The search folder is gone whatever happened.
  expect(readdirSync(parent)).toEqual([]);
  return error;
}

const COMMAND = /bad-method: the command `.*misbehave\.mjs \S+ \S+request\.json`/;

describe('exec adapter: failures are clear errors and leave nothing behind', () => {
  test('a command that runs out of time is killed with its process group; the error names the command and the limit', async () => {
    const lines: string[] = [];
    const started = performance.now();
    // (A limit well above two node start-ups on a loaded machine, so that the grandchild exists by then.)
    const error = await failure('hang', { timeoutMs: 3000 }, lines);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error.failure).toBe('timed-out');
    expect(error.message).toMatch(COMMAND);
    expect(error.message).toMatch(/timed out after 3\.\d s \(timeoutMs 3000\) and was killed with its process group/);
    // The grandchild it started is gone too.
    const pid = Number(/grandchild (\d+)/.exec(error.stderrTail)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(lines.some((l) => /^bad-method: misbehave: pid \d+ grandchild \d+$/.test(l))).toBe(true);
    await expect.poll(() => processState({ pid, host: hostname() }), { timeout: 5000 }).toBe('gone');
  });

  test('one that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    const started = performance.now();
    const error = await failure('hang-ignoring-sigterm', { timeoutMs: 3000, killGraceMs: 700 });
    expect(error.failure).toBe('timed-out');
    expect(performance.now() - started).toBeGreaterThanOrEqual(3700);
    expect(error.message).toMatch(/ignoring SIGTERM/);
    const pid = Number(/grandchild (\d+)/.exec(error.stderrTail)?.[1]);
    await expect.poll(() => processState({ pid, host: hostname() }), { timeout: 5000 }).toBe('gone');
  });

  test('a non-zero exit shows the exit code and the last 20 lines of stderr', async () => {
    const error = await failure('exit-3');
    expect(error.failure).toBe('exit-code');
    expect(error.message).toMatch(COMMAND);
    expect(error.message).toMatch(/exited with code 3 after \d+\.\d s; stderr \(last 20 lines\):/);
    expect(error.message).toContain('  | Traceback: something broke');
    expect(error.message).toContain('  | misbehave: line 30');
    expect(error.message).toContain('  | misbehave: line 12');
    expect(error.message).not.toContain('misbehave: line 11\n');
  });

  test('a command that cannot start says so and suggests PATH', async () => {
    const error = await failure('x', { command: ['naspoison-no-such-program-4711'] });
    expect(error.failure).toBe('failed-to-start');
    expect(error.message).toMatch(/the command `naspoison-no-such-program-4711 .*request\.json` could not be started: .*ENOENT.*is naspoison-no-such-program-4711 installed and on PATH/);
  });

  test('a command killed by a signal it did not get from naspoison', async () => {
    const error = await failure('killed-by-signal');
    expect(error.failure).toBe('signalled');
    expect(error.message).toMatch(/was killed by SIGKILL after .*, not by naspoison/);
    expect(error.message).toContain('misbehave: about to die');
  });

  test('a command that floods stdout is stopped', async () => {
    const error = await failure('flood');
    expect(error.failure).toBe('stdout-overflow');
    expect(error.message).toMatch(/printed more than 8388608 bytes on stdout and was killed/);
  });

  test.each([
    ['garbage', /exited with code 0 but printed something on stdout that is not JSON .*"hello, this is not JSON"; stdout must hold one JSON object and nothing else \(send progress to stderr\)/],
    ['json-and-chatter', /is not JSON .*"epoch 1 done/],
    ['no-genotype', /exited with code 0 but answered no "genotype"/],
    ['invalid-genotype', /exited with code 0 but answered an invalid genotype: Invalid NAS-Bench-201 genotype string .*unknown operation "conv_5x5"/],
    ['typo-field', /answered unknown field "diagnostic"; the answer's fields are genotype, diagnostics, panelScores/],
    ['nested-diagnostic', /answered diagnostic "curve" = "\[1,2\]"; a diagnostic is a number, a string, a boolean or null/],
    ['short-panel', /answered 1 panelScores for a panel of 2 cells/],
  ])('a malformed answer (%s) is a clear error', async (mode, message) => {
    const error = await failure(mode);
    expect(error.failure).toBe('bad-answer');
    expect(error.message).toMatch(COMMAND);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/its stderr was empty/);
  });

  test('bad options are refused when the plugin is made', () => {
    const base = { name: 'x', description: 'x', family: 'baseline' as const };
    expect(() => execNasAlgorithm({ ...base, command: [] })).toThrow(/command must be a non-empty list/);
    expect(() => execNasAlgorithm({ ...base, command: ['python3'], timeoutMs: 0 })).toThrow(/timeoutMs must be a positive number/);
    expect(() => execNasAlgorithm({ ...base, command: ['python3'], validationFraction: 1 })).toThrow(/validationFraction must be in \(0, 1\)/);
    expect(() => execNasAlgorithm({ ...base, command: ['python3'], defaults: { x: Number.NaN } })).toThrow(/x: \/x is NaN, which JSON cannot hold/);
  });

  test('a search folder left by a dead process is swept; folders of live processes are kept', async () => {
    // A pid that existed and has exited: a finished child's.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const stale = join(parent, `${EXEC_FOLDER_PREFIX}${deadPid}-abc123`);
    const live = join(parent, `${EXEC_FOLDER_PREFIX}${process.pid}-def456`);
    for (const [dir, pid] of [[stale, deadPid], [live, process.pid]] as const) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid, host: hostname() }));
      writeFileSync(join(dir, 'train-images-idx3-ubyte'), 'x');
    }
    const nas = execNasAlgorithm({ name: 'bad-method', description: 'x', family: 'baseline', command: [process.execPath, MISBEHAVE, 'garbage'], tempDir: parent });
    await expect(nas.search({ train, settings: {}, seed: 1 })).rejects.toThrow(ExecNasError);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(parent)).toEqual([`${EXEC_FOLDER_PREFIX}${process.pid}-def456`]);
  });
});

describe('exec adapter: when naspoison itself is killed', () => {
  test('kill -9 of the searching process takes the command and its descendants down (the reaper); the next search sweeps the folder', async () => {
    const driver = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./testing/hang-driver.ts', import.meta.url)), parent, MISBEHAVE], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    driver.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    driver.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<void>((resolve) => driver.on('close', () => resolve()));
    try {
      await expect.poll(() => /pid \d+ grandchild \d+/.test(out), { timeout: 30_000, interval: 100 }).toBe(true);
    } finally {
      driver.kill('SIGKILL');
      await exited;
    }
    const [, command, grandchild] = /pid (\d+) grandchild (\d+)/.exec(out)!.map(Number) as [number, number, number];
    for (const pid of [command, grandchild]) await expect.poll(() => processState({ pid, host: hostname() }), { timeout: 10_000 }).toBe('gone');
    // kill -9 ran no cleanup: the folder is still there, owned by a dead process, until the next search.
    expect(readdirSync(parent), err).toHaveLength(1);
    const nas = execNasAlgorithm({ name: 'bad-method', description: 'x', family: 'baseline', command: [process.execPath, MISBEHAVE, 'garbage'], tempDir: parent });
    await expect(nas.search({ train, settings: {}, seed: 1 })).rejects.toThrow(ExecNasError);
    expect(readdirSync(parent)).toEqual([]);
  }, 60_000);
});
