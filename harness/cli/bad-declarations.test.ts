// Spec files are input too. A matrix that names an unknown attack or defence, a budget outside
// (0, 1), or parameters its attack refuses (σ ≤ 0, ε ≤ 0) is a usage error of `naspoison run`:
// exit 2, the spec file and the problem named, found by the collection pass before anything is
// recorded or trained — a store given to the run is not even created. The spec files are written
// into a folder of benchmarks/ (the bench project's root) for the test and removed afterwards; only
// an unfiltered run would see them, and no test runs one.
import { existsSync, mkdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli, ROOT, TINY } from './test-utils.js';

const folder = `benchmarks/zz-bad-declarations-${process.pid}`;
mkdirSync(join(ROOT, folder), { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'naspoison-bad-declarations-'));
afterAll(() => {
  rmSync(join(ROOT, folder), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

function specFile(name: string, options: string): string {
  const path = `${folder}/${name}.spec.ts`;
  writeFileSync(
    join(ROOT, path),
    `import { describe, test } from 'vitest';\nimport { poisoningMatrix } from 'naspoison';\n` +
      `describe('${name}', () => {\n  poisoningMatrix(${options});\n  test('never runs', () => {});\n});\n`,
  );
  return path;
}

const CASES: Array<[string, string, RegExp]> = [
  ['unknown-attack', `{ nas: 'random', attack: 'label-swap', budgets: [0.5] }`, /unknown attack "label-swap"; registered: .*gaussian-noise/],
  ['unknown-defence', `{ nas: 'random', attack: 'random-label-flip', budgets: [0.5], defences: ['median-filter'] }`, /unknown defence "median-filter"; registered: .*loss-sanitisation/],
  ['budget-1.5', `{ nas: 'random', attack: 'gaussian-noise', budgets: [1.5] }`, /budget 1\.5 is invalid; it is the poisoned fraction p and must satisfy 0 < p < 1/],
  ['sigma-0', `{ nas: 'random', attack: 'gaussian-noise', attackParams: { sigma: 0 }, budgets: [0.5] }`, /\/attacks\/gaussian-noise\/sigma must be > 0/],
  ['epsilon-negative', `{ nas: 'random', attack: 'gradient-canceling', attackParams: { epsilon: -1 }, budgets: [0.5] }`, /\/attacks\/gradient-canceling\/epsilon must be > 0/],
  ['fraction-1.5', `{ nas: 'random', attack: 'random-label-flip', budgets: [0.5], defences: [{ name: 'loss-sanitisation', params: { fraction: 1.5 } }] }`, /\/defences\/loss-sanitisation\/fraction must be < 1/],
];

describe('naspoison run refuses a spec file that declares what cannot run', () => {
  test.each(CASES)('%s: exit 2, naming the spec file and the problem; nothing recorded', async (name, options, problem) => {
    const spec = specFile(name, options);
    const store = join(dir, `${name}.db`);
    const { code, stdout, stderr } = await cli(['run', '--tier', TINY, '--fixture', '--store', store, spec]);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    // (A Node warning about NO_COLOR and FORCE_COLOR from the collection's child processes may come first.)
    expect(stderr).toMatch(/^naspoison run: a spec file declares what cannot run; nothing was recorded or started:$/m);
    expect(stderr).toContain(`${spec}: `);
    expect(stderr).toMatch(problem);
    expect(existsSync(store)).toBe(false);
  });
});
