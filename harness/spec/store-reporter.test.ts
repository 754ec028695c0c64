// The store reporter, in a real vitest run of a fixture spec (a child process, as `naspoison run`
// runs specs): every test reaches the store — a passing verdict, an underpowered gate (a skip with
// its reason), a decided failure, a plain failed expect (failed), tests that threw (errored), a
// skip with its reason, a todo, and the tests of a matrix whose beforeAll crashed (vitest shows
// them as skipped; they are errored) — and --strict turns the underpowered gate into a failure.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from '../store/index.js';
import { RUN_ASSERTIONS_NAMESPACE, type RunAssertions } from '../verdicts/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'harness/spec/fixtures/reporter/vitest.config.ts');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const dir = mkdtempSync(join(tmpdir(), 'naspoison-reporter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the fixture spec under vitest with the store reporter; returns the exit code and what was stored. */
function runFixture(runId: string, strict: boolean): Promise<{ code: number | null; output: string; stored: RunAssertions }> {
  const storePath = join(dir, `${runId}.db`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FIXTURE_STORE: storePath, FIXTURE_RUN_ID: runId, FIXTURE_STRICT: strict ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const store = openStore(storePath, { readonly: true });
      try {
        const json = store.getCached(RUN_ASSERTIONS_NAMESPACE, runId);
        if (json === undefined) return reject(new Error(`nothing stored; vitest said:\n${output}`));
        resolve({ code, output, stored: JSON.parse(json) as RunAssertions });
      } finally {
        store.close();
      }
    });
  });
}

const byName = (stored: RunAssertions) => new Map(stored.assertions.map((a) => [a.name.replace(/^fixture > /, ''), a]));
const count = (stored: RunAssertions, status: string) => stored.assertions.filter((a) => a.status === status).length;

describe('store reporter', () => {
  test('every way a test ends is stored, with the matchers\' verdicts', async () => {
    const { code, output, stored } = await runFixture('plain', false);
    expect(code).toBe(1); // decided failures remain failures
    expect(stored).toMatchObject({ runId: 'plain', strict: false });
    const a = byName(stored);
    expect(a.size).toBe(10);
    expect(a.get('harm shown')).toMatchObject({ status: 'passed', file: 'harness/spec/fixtures/reporter/verdicts.spec.ts' });
    expect(a.get('harm shown')!.verdicts[0]).toMatchObject({ matcher: 'toBeSignificantlyBelow', verdict: 'harm-shown', decided: true });
    const gate = a.get('gate on three noisy trials')!;
    expect(gate.status).toBe('underpowered');
    expect(gate.message).toMatch(/^underpowered at this tier: .*about \d+ trials per arm would decide it/);
    expect(gate.verdicts[0]).toMatchObject({ matcher: 'toBeNoWorseThan', verdict: 'inconclusive', decided: false });
    expect(a.get('harm claimed where the trials show none')).toMatchObject({ status: 'failed' });
    expect(a.get('harm claimed where the trials show none')!.verdicts[0]).toMatchObject({ verdict: 'no-harm-beyond-margin', decided: true });
    expect(a.get('throws before any matcher')).toMatchObject({ status: 'errored', message: 'trial data could not be read', verdicts: [] });
    expect(a.get('a plain expect')).toMatchObject({ status: 'failed', verdicts: [] });
    expect(a.get('a plain expect')!.message).toMatch(/expected 2 to be 3/);
    expect(a.get('a TypeError')).toMatchObject({ status: 'errored' });
    expect(a.get('a TypeError')!.message).toMatch(/^TypeError: /);
    expect(a.get('skipped with its reason')).toMatchObject({ status: 'skipped', message: 'needs a GPU' });
    expect(a.get('a todo')).toMatchObject({ status: 'skipped', message: 'todo' });
    for (const name of ['first assertion on it', 'second assertion on it']) {
      const crashed = a.get(`matrix whose trials crashed > ${name}`)!;
      expect(crashed.status).toBe('errored');
      expect(crashed.message).toBe('did not run: suite "matrix whose trials crashed" failed: trial worker 1 exited with 1');
    }
    // What the report's "Spec assertions" line and the CLI summary count.
    expect([count(stored, 'passed'), count(stored, 'failed'), count(stored, 'errored'), count(stored, 'underpowered'), count(stored, 'skipped')]).toEqual([1, 2, 4, 1, 2]);
    // vitest itself shows the undecided gate as a skip — and the crashed matrix's two tests too,
    // which is why the reporter looks at their suite.
    expect(output).toMatch(/4 failed \| 1 passed \| 4 skipped/);
  }, 120_000);

  test('--strict: the underpowered gate fails the run, and is stored as underpowered of a strict run', async () => {
    const { code, output, stored } = await runFixture('strict', true);
    expect(code).toBe(1);
    expect(output).toMatch(/5 failed \| 1 passed \| 3 skipped/);
    expect(stored.strict).toBe(true);
    const gate = byName(stored).get('gate on three noisy trials')!;
    expect(gate.status).toBe('underpowered');
    expect(gate.message).toContain('counted as a failure');
    expect(byName(stored).get('harm claimed where the trials show none')!.status).toBe('failed');
  }, 120_000);
});
