// Planted effects through the real pipeline: a test-only NAS plugin whose output quality is a known
// function of the poisoning budget must be found significantly harmed (q ≤ α) by the real matrix
// runner and statistics, and a plugin that ignores the data must not. Real poisons, real retraining
// and testing, at a test tier: fixtures/tiers/tiny.json with a 5-epoch evaluation (at tiny's 1 epoch
// no cell learns anything, so cell quality would not show in accuracy), one process, a temp store.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { nasAlgorithms } from '../nas/index.js';
import type { NasAlgorithm } from '../nas/types.js';
import { genotypeFromString } from '../space/genotype.js';
import { poisoningMatrix } from './matrix.js';
import { DEFAULT_ALPHA } from '../stats/index.js';
import { createRunContext, type RunContext } from '../run/context.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naspoison-planted-'));
const tierPath = join(dir, 'tiny-planted.json');
const tiny = JSON.parse(readFileSync(join(ROOT, 'fixtures/tiers/tiny.json'), 'utf8')) as { name: string; evaluation: { recipe: Record<string, unknown> } };
tiny.name = 'tiny-planted';
tiny.evaluation.recipe = { ...tiny.evaluation.recipe, name: 'tiny-planted-5ep', epochs: 5, batchSize: 32 };
writeFileSync(tierPath, JSON.stringify(tiny));

// At this tier a 1×1-conv cell reaches ≈ 50–60% and an all-avg-pool cell ≈ 35–45% (5 seeds each).
const GOOD = genotypeFromString('|nor_conv_1x1~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|');
const BAD = genotypeFromString('|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|');

let context: Promise<RunContext> | undefined;
let cleanLabels: Int32Array | undefined;
const getContext = (): Promise<RunContext> =>
  (context ??= createRunContext({ tier: tierPath, storePath: join(dir, 'store.db'), workers: 1, backend: 'wasm', fixtureOnly: true, quiet: true, runId: 'planted', log: () => {} }).then(
    (ctx) => {
      cleanLabels = ctx.data.train.labels;
      return ctx;
    },
  ));
afterAll(async () => {
  if (context) (await context).store.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Label-sensitive: counts the training labels that differ from the clean ones (held in a closure)
 * and returns the bad cell with probability min(1, 2 × that fraction), else the good cell (seeded).
 * Clean: always good; at a 90% random flip (≈ 90% of labels changed): always bad.
 */
const planted: NasAlgorithm<Record<string, never>> = {
  name: 'test-planted-label-sensitive',
  description: 'test only: returns a bad cell with probability rising with the fraction of changed labels',
  family: 'training-based',
  settings: () => ({}),
  search: ({ train, seed }) => {
    if (!cleanLabels || cleanLabels.length !== train.n) throw new Error('planted plugin: clean labels unknown');
    let changed = 0;
    for (let i = 0; i < train.n; i++) if (train.labels[i] !== cleanLabels[i]) changed++;
    const fraction = changed / train.n;
    const bad = new Rng(seed).child('planted').uniform() < Math.min(1, 2 * fraction);
    return { genotype: bad ? BAD : GOOD, diagnostics: { searchMs: 0, changedLabelFraction: fraction, pickedBad: bad } };
  },
};

/** Ignores the data: the bad cell for half the seeds, the same cell in every arm of a trial. */
const nullPlugin: NasAlgorithm<Record<string, never>> = {
  name: 'test-planted-null',
  description: 'test only: a seeded choice between the good and the bad cell, data ignored',
  family: 'baseline',
  settings: () => ({}),
  search: ({ seed }) => ({ genotype: new Rng(seed).child('planted-null').uniform() < 0.5 ? BAD : GOOD, diagnostics: { searchMs: 0 } }),
};

for (const plugin of [planted, nullPlugin]) if (!nasAlgorithms.has(plugin.name)) nasAlgorithms.register(plugin as NasAlgorithm<unknown>);

describe('planted effects through the matrix runner (real poisons, real retraining)', () => {
  const harmed = poisoningMatrix({ nas: planted.name, attack: 'random-label-flip', budgets: [0.9], trials: 4, context: getContext });
  const unharmed = poisoningMatrix({ nas: nullPlugin.name, attack: 'random-label-flip', budgets: [0.9], trials: 4, context: getContext });

  test('the label-sensitive plugin is found significantly below the control (q ≤ α)', () => {
    const picked = harmed.cell(0.9).metric('pickedBad').values();
    expect(harmed.control.metric('pickedBad').values()).toEqual([0, 0, 0, 0]);
    expect(picked).toEqual([1, 1, 1, 1]);
    const accuracy = harmed.family().find((m) => m.metric === 'accuracy')!.comparison;
    expect(accuracy.state).toBe('computed');
    if (accuracy.state !== 'computed') return;
    expect(accuracy.nA).toBe(4);
    expect(accuracy.nB).toBe(4);
    expect(accuracy.meanA).toBeLessThan(accuracy.meanB);
    expect(accuracy.q).toBeLessThanOrEqual(DEFAULT_ALPHA);
  });

  test('the plugin that ignores the data is not found significant (identical arms)', () => {
    const accuracy = unharmed.family().find((m) => m.metric === 'accuracy')!.comparison;
    expect(unharmed.cell(0.9).accuracy.values()).toEqual(unharmed.control.accuracy.values());
    expect(accuracy.state).toBe('computed');
    if (accuracy.state !== 'computed') return;
    expect(accuracy.q).toBeGreaterThan(DEFAULT_ALPHA);
    expect(accuracy.p).toBeGreaterThan(DEFAULT_ALPHA);
  });
});

describe('planted effects with sequential trials (group-sequential looks at 3, 5, 7 trials per arm)', () => {
  const harmed = poisoningMatrix({ nas: planted.name, attack: 'random-label-flip', budgets: [0.9], trials: { min: 3, max: 7, step: 2, shape: 'pocock' }, context: getContext });
  const unharmed = poisoningMatrix({ nas: nullPlugin.name, attack: 'random-label-flip', budgets: [0.9], trials: { min: 3, max: 7, step: 2, shape: 'pocock' }, context: getContext });

  test('the planted harm stops the arm at the first look, and the adjusted p decides it', () => {
    const [record] = harmed.results().sequential!;
    expect(record).toMatchObject({ arm: 'random-label-flip@0.9', reason: 'harm boundary crossed', stoppedAt: 3 });
    expect(harmed.cell(0.9).accuracy.values()).toHaveLength(3);
    const member = harmed.family().find((m) => m.metric === 'accuracy')!;
    expect(member.comparison.state === 'computed' && member.comparison.p).toBe(record!.adjustedHarmP);
    expect(member.decision.verdict).toBe('harm-shown');
  });

  test('the null plugin runs to the maximum and is not found harmed', () => {
    const [record] = unharmed.results().sequential!;
    expect(record!.reason).toBe('maximum trials reached');
    expect(record!.looks.map((l) => l.nA)).toEqual([3, 5, 7]);
    expect(unharmed.control.accuracy.values()).toHaveLength(7);
    expect(unharmed.family().find((m) => m.metric === 'accuracy')!.decision.verdict).not.toBe('harm-shown');
  });
});
