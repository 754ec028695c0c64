// A user's NAS method defined outside harness/ — its own folder with a plugin module, a settings
// schema and a spec file (fixtures/plugins/cell-picker/), importing only the `naspoison` package —
// runs through vitest and the bench setup as `naspoison run` runs benchmarks/, at the tiny tier
// with 2 trial workers: every trial completes, in worker processes, with the tier block that only
// the plugin's own schema knows. A method registered in the spec file itself (fixtures/plugins/
// in-spec/), which workers never load, is refused at declaration, saying where to register it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore, type TrialRecord } from '../store/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'fixtures/plugins/vitest.config.ts');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const dir = mkdtempSync(join(tmpdir(), 'naspoison-user-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface JsonReport {
  testResults: Array<{ name: string; status: string; message: string; assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

describe('a NAS plugin outside harness/', () => {
  test('runs its trials in 2 worker processes; a method registered in a spec file is refused at declaration', async () => {
    // The tiny tier plus a block for the plugin's method, which the tier schema does not know.
    const tier = JSON.parse(readFileSync(join(ROOT, 'fixtures/tiers/tiny.json'), 'utf8')) as { nas: Record<string, unknown> };
    tier.nas['fixture-cell-picker'] = { candidates: 3 };
    const tierPath = join(dir, 'tiny-with-plugin.json');
    writeFileSync(tierPath, JSON.stringify(tier));
    const storePath = join(dir, 'store.db');
    const reportPath = join(dir, 'report.json');

    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG, '--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', FIXTURE_TIER: tierPath, FIXTURE_STORE: storePath, FIXTURE_RUN_ID: 'user-plugin' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, output: text }));
    });
    // The in-spec file fails (by design), so vitest exits 1.
    expect(code, output).toBe(1);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as JsonReport;
    const file = (folder: string) => report.testResults.find((r) => r.name.includes(`/fixtures/plugins/${folder}/`))!;

    const picker = file('cell-picker');
    expect(picker.assertionResults.map((a) => [a.title, a.status, a.failureMessages.join('\n')])).toEqual([
      ['its trials ran in trial worker processes, which knew the method', 'passed', ''],
      ['a method that never looks at the data draws the same cells in both arms', 'passed', ''],
    ]);
    expect(output).toContain('in 2 processes');

    const inSpec = file('in-spec');
    expect(inSpec.status).toBe('failed');
    expect(inSpec.message).toContain('NAS algorithm "fixture-in-spec" is registered by the spec file');
    expect(inSpec.message).toContain('which trial worker processes never load');
    expect(inSpec.message).toContain('*.plugin.ts beside the spec file');

    const store = openStore(storePath, { readonly: true });
    let trials: TrialRecord[];
    try {
      trials = store.listTrials().filter((t) => t.nas === 'fixture-cell-picker');
    } finally {
      store.close();
    }
    expect(trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // The plugin's effective settings are part of every trial's stored parameters.
    expect(trials.every((t) => (t.params as { nasSettings: unknown }).nasSettings !== undefined)).toBe(true);
    expect(trials.map((t) => (t.params as { nasSettings: unknown }).nasSettings)).toEqual(Array(4).fill({ candidates: 3 }));
    const pids = new Set(trials.map((t) => t.diagnostics.searchPid));
    expect(pids.size).toBeGreaterThanOrEqual(1);
    expect(pids.has(process.pid)).toBe(false);
    console.log(`user plugin: 4 trials searched in ${pids.size} worker process(es)`);
  }, 300_000);
});
