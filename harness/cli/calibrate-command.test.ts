// `naspoison calibrate`, run as a user runs it (node bin/naspoison.mjs): help, usage errors (exit 2),
// and a tiny-tier calibration in two worker processes whose second call comes from the cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSI, cli, TINY } from './test-utils.js';
import { afterAll, describe, expect, test } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-calibrate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('naspoison calibrate', () => {
  test('twice on the tiny tier (2 workers): progress per evaluation, then the same record from the cache', async () => {
    const store = join(mkdtempSync(join(dir, 'cal-')), 'store.db');
    const args = ['calibrate', '--tier', TINY, '--seeds', '2', '--store', store];
    const first = await cli(args, { NASPOISON_WORKERS: '2' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/evaluation 8 of 8 · .* elapsed · ETA /);
    expect(first.stdout).toMatch(/^calibration of tier tiny · wasm/);
    expect(first.stdout).toContain('8 evaluations, 8 trained');
    expect(first.stdout).toMatch(/random cells +[\d.]+% ± [\d.]+ \(R = 2/);
    expect(first.stdout).toMatch(/seed noise +sd [\d.]+ pp over 2 seeds/);
    expect(first.stdout).toMatch(/headroom +-?[\d.]+ pp/);
    expect(first.stdout).toContain('benchmarks/pdarts/random-label-flip.spec.ts · pdarts × random-label-flip · budgets 0.01, 0.1, 0.5');
    expect(first.stdout).toContain('drop = δ 1.00 pp');
    const second = await cli([...args, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/evaluation \d+ of/);
    const record = JSON.parse(second.stdout) as { fromCache: boolean; tier: string; evaluations: number; trials: number; power: Array<{ file: string }> };
    expect(record).toMatchObject({ fromCache: true, tier: 'tiny', evaluations: 8, trials: 2 });
    expect(record.power.map((p) => p.file)).toContain('benchmarks/random/random-label-flip.spec.ts');
    for (const r of [first, second]) expect(r.stdout + r.stderr).not.toMatch(ANSI);
  });

  test('--help exits 0 with the options; the main help lists calibrate', async () => {
    const r = await cli(['calibrate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: naspoison calibrate/);
    for (const flag of ['--tier', '--seeds', '--backend', '--store', '--data-dir', '--fixture', '--json', '--help']) expect(r.stdout).toContain(flag);
    const main = await cli(['--help']);
    expect(main.stdout).toMatch(/^ {2}calibrate /m);
  });

  test.each([['1'], ['two'], ['2.5']])('--seeds %s is a usage error (exit 2) naming the value', async (value) => {
    const r = await cli(['calibrate', '--tier', TINY, '--seeds', value, '--store', join(dir, 'never.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--seeds must be an integer from 2 to 1000, got "${value}"`);
    expect(r.stderr).toContain('naspoison calibrate --help');
    expect(r.stdout).toBe('');
  });

  test('an unknown tier is a usage error (exit 2) naming it', async () => {
    const r = await cli(['calibrate', '--tier', 'no-such-tier']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown tier "no-such-tier"');
  });
});
