// Calibration on the tiny tier, in this process (workers 1), with k = 2 seeds: the record's shape,
// that it is stored and found again, and that a second call trains nothing (counters and `cached`
// flags, never wall-clock time).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { baselineSamples } from '../nas/random-search.js';
import { genotypeToString } from '../space/index.js';
import { evaluateGenotype } from '../train/evaluate.js';
import { CALIBRATION_NAMESPACE, calibrateTier, calibrationSeeds, findCalibration, REFERENCE_CELLS, shippedHypothesesPower, type CalibrationResult } from './calibration.js';
import { prepareRun, type PreparedRun } from './context.js';
import { evaluationCacheOf } from './evaluation-cache.js';
import { parseSpecSource } from './shipped-hypotheses.js';
import { powerOneSidedWelch } from '../stats/index.js';

const TINY = fileURLToPath(new URL('../../fixtures/tiers/tiny.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naspoison-calibration-'));
let run: PreparedRun;
let first: CalibrationResult;
const progress: number[] = [];

beforeAll(async () => {
  run = await prepareRun({ tier: TINY, backend: 'wasm', storePath: join(dir, 'store.db'), workers: 1, log: () => undefined });
  first = await calibrateTier(run, { seeds: 2, onProgress: (p) => progress.push(p.done) });
}, 120_000);
afterAll(() => {
  run?.store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('calibrateTier (tiny tier, k = 2)', () => {
  test('trains R + k · 3 evaluations and reports progress for each', () => {
    const R = run.tier.randomBaseline.samples;
    const c = first.calibration;
    expect(first.fromCache).toBe(false);
    expect(c.evaluations).toBe(R + 2 * (1 + REFERENCE_CELLS.length));
    expect(first.trained).toBe(c.evaluations);
    expect(progress).toEqual(Array.from({ length: c.evaluations }, (_, i) => i + 1));
  });

  test('the record: the random baseline exactly, the seed-noise and reference cells under the same k seeds, headroom', () => {
    const c = first.calibration;
    const baseline = baselineSamples(run.tier.randomBaseline.samples);
    expect(c).toMatchObject({ version: 1, tier: 'tiny', backend: 'wasm', datasetHash: run.datasetHash, recipe: 'tiny-eval-1ep', network: { channels: 4, cellsPerStage: 1 } });
    expect(c.key).toMatch(/^[0-9a-f]{64}$/);
    expect(c.random.genotypes).toEqual(baseline.map((s) => genotypeToString(s.genotype)));
    expect(c.random.seeds).toEqual(baseline.map((s) => s.seed));
    expect(c.random.accuracies).toHaveLength(baseline.length);
    const mean = c.random.accuracies.reduce((a, b) => a + b, 0) / c.random.accuracies.length;
    expect(c.random.mean).toBeCloseTo(mean, 10);
    expect(c.seedNoise.genotype).toBe(genotypeToString(baseline[0]!.genotype));
    expect(c.seedNoise.seeds).toEqual(calibrationSeeds(2));
    expect(c.seedNoise.accuracies).toHaveLength(2);
    expect(c.references.map((r) => r.genotype)).toEqual(REFERENCE_CELLS.map((r) => r.genotype));
    for (const r of c.references) {
      expect(r.seeds).toEqual(c.seedNoise.seeds);
      expect(r.accuracies).toHaveLength(2);
      expect(r.sd).toBeGreaterThanOrEqual(0);
    }
    const best = Math.max(...c.references.map((r) => r.mean));
    expect(c.headroom).toBeCloseTo(best - c.random.mean, 10);
    expect(c.references.find((r) => r.name === c.bestReference)!.mean).toBe(best);
    for (const a of [...c.random.accuracies, ...c.seedNoise.accuracies]) expect(a).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(c.createdAt))).toBe(false);
    expect(c.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('the random accuracies are the evaluations a run uses (shared through the evaluation cache)', async () => {
    const cache = evaluationCacheOf(run.store);
    for (const [i, { genotype, seed }] of baselineSamples(run.tier.randomBaseline.samples).entries()) {
      const e = await evaluateGenotype(genotype, run.data, run.protocol, { seed, backend: run.backend.name, cache });
      expect(e.cached).toBe(true);
      expect(e.accuracy).toBe(first.calibration.random.accuracies[i]);
    }
  });

  test('a second call is served from the store and trains nothing; a recompute trains nothing either', async () => {
    let calls = 0;
    const again = await calibrateTier(run, { seeds: 2, onProgress: () => calls++ });
    expect(again.fromCache).toBe(true);
    expect(again.trained).toBe(0);
    expect(again.calibration).toEqual(first.calibration);
    const recomputed = await calibrateTier(run, { seeds: 2, recompute: true, onProgress: () => calls++ });
    expect(recomputed.fromCache).toBe(false);
    expect(recomputed.trained).toBe(0);
    expect(calls).toBe(0);
    expect(recomputed.calibration.random.accuracies).toEqual(first.calibration.random.accuracies);
    expect(run.store.listCached(CALIBRATION_NAMESPACE)).toHaveLength(1);
  });

  test('findCalibration returns the latest record of (tier, dataset, backend), undefined for others', () => {
    const where = { tier: 'tiny', datasetHash: run.datasetHash, backend: 'wasm' };
    expect(findCalibration(run.store, where)).toEqual(first.calibration);
    expect(findCalibration(run.store, { ...where, backend: 'cpu' })).toBeUndefined();
    expect(findCalibration(run.store, { ...where, tier: 'smoke' })).toBeUndefined();
  });

  test('rejects k < 2', async () => {
    await expect(calibrateTier(run, { seeds: 1 })).rejects.toThrow(/seeds must be an integer ≥ 2/);
  });

  test('power of the shipped hypotheses: per budget × metric, at δ and at the headroom, at both sds', () => {
    const matrices = parseSpecSource(
      `const m = poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [0.01, 0.5], track: ['skipConnections'] });`,
      'benchmarks/x.spec.ts',
    );
    const [m] = shippedHypothesesPower(first.calibration, { trials: 3, margins: { accuracy: 1, deltaImprovement: 1 } }, matrices);
    expect(m).toMatchObject({ file: 'benchmarks/x.spec.ts', nas: 'pdarts', attack: 'random-label-flip', budgets: [0.01, 0.5], n: 3, complete: true });
    expect(m!.hypotheses.map((h) => `${h.budget}:${h.metric}`)).toEqual(['0.01:accuracy / ΔImp', '0.01:skipConnections', '0.5:accuracy / ΔImp', '0.5:skipConnections']);
    const accuracy = m!.hypotheses[0]!.drops!;
    expect(accuracy.map((d) => d.drop)).toEqual(['margin', 'headroom']);
    expect(accuracy[0]!.size).toBe(1);
    expect(accuracy[1]!.size).toBe(first.calibration.headroom);
    for (const d of accuracy) expect(d.figures.map((f) => f.sdKind)).toEqual(['seed', 'random']);
    expect(accuracy[0]!.figures[1]!.sd).toBe(first.calibration.random.sd);
    expect(m!.hypotheses[1]!.drops).toBeNull();
    // A matrix that sets its own trials is powered at them, not at the tier's.
    const own = parseSpecSource(`poisoningMatrix({ nas: 'random', attack: 'random-label-flip', budgets: [0.9], trials: 10 });`, 'benchmarks/y.spec.ts');
    const [o] = shippedHypothesesPower(first.calibration, { trials: 3, margins: { accuracy: 1 } }, own);
    expect(o!.n).toBe(10);
    const f = o!.hypotheses[0]!.drops![0]!.figures[0]!;
    expect(f.power).toBe(powerOneSidedWelch(1, f.sd, f.sd, 10, 10));
  });
});

describe('parseSpecSource', () => {
  test('reads literal options and flags what it cannot read', () => {
    const [a, b] = parseSpecSource(
      `poisoningMatrix({ nas: "random", attack: 'random-label-flip', budgets: [0.5] });\npoisoningMatrix({ nas: 'pdarts', attack: name, budgets });`,
      'f.spec.ts',
    );
    expect(a).toEqual({ file: 'f.spec.ts', nas: 'random', attack: 'random-label-flip', budgets: [0.5], track: [], trials: null, complete: true });
    expect(b).toMatchObject({ nas: 'pdarts', attack: null, complete: false });
    // Nested option objects (margins, sequential trials) do not hide a matrix; sequential ones count at their max.
    const [c] = parseSpecSource(`poisoningMatrix({ nas: 'pdarts', attack: 'random-label-flip', budgets: [0.5], margins: { accuracy: 0.5 }, trials: { min: 4, max: 11 } })`, 'g.spec.ts');
    expect(c).toMatchObject({ nas: 'pdarts', budgets: [0.5], trials: 11, complete: true });
  });
});
