// The Python example (examples/exec-random-search: search.py through its plugin, py-random) run
// through the exec adapter on tiny synthetic data: it answers a valid cell, the same one for the
// same seed, reads the labels (permuted labels change its scores), handles colour images and
// naspoison's validation split, reads gzip and raw IDX alike, and refuses an unknown setting with
// exit status 2. Needs python3 on PATH (it is on CI): without it these tests fail, saying so.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeIdxFile } from '../../data/idx-write.js';
import { syntheticDataset } from '../../data/synthetic.js';
import type { ImageDataset } from '../../data/types.js';
import { genotypeFromIndex, genotypeToString, isGenotype } from '../../space/genotype.js';
import { PY_RANDOM_SCRIPT, pyRandom } from '../../../examples/exec-random-search/py-random.plugin.js';
import { ExecNasError, execNasAlgorithm, type JsonObject } from './index.js';

let parent: string;
beforeAll(() => {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`python3 is needed by the exec example's tests and could not be run (${probe.error?.message ?? probe.stderr}); install Python 3 and put python3 on PATH`);
  }
  parent = mkdtempSync(join(tmpdir(), 'exec-python-test-'));
});
afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
});

/** py-random with its search folders in this test's folder. */
function pyRandomIn(extra: { validationFraction?: number } = {}) {
  return execNasAlgorithm({ name: 'py-random', description: pyRandom.description, family: pyRandom.family, command: ['python3', PY_RANDOM_SCRIPT], tempDir: parent, ...extra });
}

const panel = [genotypeFromIndex(9_000), genotypeFromIndex(3_125 * 3 + 4), genotypeFromIndex(15_624), genotypeFromIndex(7_813)];
const data = syntheticDataset({ n: 80, seed: 9, height: 8, width: 8, channels: 1, numClasses: 4, noise: 0.35 });
const settings: JsonObject = { candidates: 10, images: 60 };

async function search(train: ImageDataset, seed: number, nas = pyRandomIn(), block: unknown = settings) {
  const log: string[] = [];
  const outcome = await nas.search({ train, settings: nas.settings(block), seed, panel, log: (m) => log.push(m) });
  expect(readdirSync(parent)).toEqual([]);
  return { ...outcome, log };
}

describe('the Python example through the exec adapter', () => {
  test('answers a valid cell with its diagnostics and panel scores, the same for the same seed', async () => {
    const a = await search(data, 42);
    expect(isGenotype(a.genotype)).toBe(true);
    expect(a.diagnostics).toMatchObject({ candidates: 10, imagesUsed: 60, resolution: 8 });
    expect(a.diagnostics.bestScore as number).toBeGreaterThanOrEqual(a.diagnostics.meanScore as number);
    expect(a.panelScores).toHaveLength(panel.length);
    expect(a.log.some((l) => /^py-random: scored 10\/10 candidates/.test(l))).toBe(true);
    const b = await search(data, 42);
    expect(genotypeToString(b.genotype)).toBe(genotypeToString(a.genotype));
    expect(b.panelScores).toEqual(a.panelScores);
    expect(b.diagnostics.bestScore).toBe(a.diagnostics.bestScore);
    // Other seeds sample other cells.
    const others: string[] = [];
    for (const seed of [1, 2, 3]) others.push(genotypeToString((await search(data, seed)).genotype));
    expect(new Set([genotypeToString(a.genotype), ...others]).size).toBeGreaterThan(1);
  });

  test('it reads the labels: the same images with other labels get other scores', async () => {
    const labels = Int32Array.from(data.labels, (y, i) => (i % 3 === 0 ? (y + 1) % 4 : y));
    const clean = await search(data, 5);
    const relabelled = await search({ ...data, labels }, 5);
    expect(relabelled.panelScores).not.toEqual(clean.panelScores);
  });

  test('colour images and a validation split held out by naspoison', async () => {
    const rgb = syntheticDataset({ n: 48, seed: 10, height: 6, width: 6, channels: 3, numClasses: 3 });
    const out = await search(rgb, 3, pyRandomIn({ validationFraction: 0.5 }), { candidates: 4, images: 30, resolution: 4 });
    expect(isGenotype(out.genotype)).toBe(true);
    expect(out.diagnostics).toMatchObject({ imagesUsed: 30, resolution: 4 });
    expect(out.log.some((l) => l.includes('15 to fit, 15 to score'))).toBe(true);
  });

  test('an unknown setting is refused by the script (exit 2), and the error shows why', async () => {
    const error = await Promise.resolve(search(data, 1, pyRandomIn(), { candidate: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecNasError);
    expect((error as ExecNasError).message).toMatch(/py-random: the command `python3 .*search\.py .*request\.json` exited with code 2/);
    expect((error as ExecNasError).message).toMatch(/unknown setting\(s\) candidate; known: candidates, images/);
  });

  test('its IDX reader takes gzip and raw files alike and checks the header', () => {
    const dir = mkdtempSync(join(parent, 'idx-'));
    try {
      const bytes = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
      writeIdxFile(join(dir, 'raw'), [2, 3, 4], bytes, false);
      writeIdxFile(join(dir, 'gz'), [2, 3, 4], bytes, true);
      const read = (file: string) =>
        spawnSync('python3', ['-B', '-c', `import sys; sys.path.insert(0, sys.argv[1]); import search; d, b = search.read_idx(sys.argv[2]); print(list(d), list(b))`, dirname(PY_RANDOM_SCRIPT), join(dir, file)], { encoding: 'utf8' });
      const expected = `[2, 3, 4] [${[...bytes].join(', ')}]`;
      expect(read('raw').stdout.trim()).toBe(expected);
      expect(read('gz').stdout.trim()).toBe(expected);
      writeIdxFile(join(dir, 'short'), [3, 3, 4], new Uint8Array(36), false);
      const truncated = spawnSync('truncate', ['-s', '30', join(dir, 'short')]);
      expect(truncated.status).toBe(0);
      expect(read('short').stderr).toMatch(/header says 3x3x4 = 36 bytes, file holds 14/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
