// P-DARTS as published: the weight-only warm-up defaults to the published 10-of-25 ratio, and every
// way a tier compresses the published schedule is listed for the report's method section.
import { describe, expect, test } from 'vitest';
import { loadTier } from '../../run/tiers.js';
import { PDARTS_PUBLISHED, pdartsDeviations, pdartsSettings, publishedWarmup } from './settings.js';

describe('P-DARTS settings against the published ones', () => {
  test('a stage without warmupEpochs gets the published ratio, rounded', () => {
    expect(publishedWarmup(25)).toBe(10);
    expect(publishedWarmup(3)).toBe(1);
    expect(publishedWarmup(10)).toBe(4);
    const block = structuredClone(loadTier('smoke').nas.pdarts) as unknown as { stages: Array<Record<string, unknown>> };
    for (const stage of block.stages) delete stage.warmupEpochs;
    block.stages[0]!.epochs = 25;
    expect(pdartsSettings(block).stages.map((s) => s.warmupEpochs)).toEqual([10, 1]);
  });

  test('the smoke tier lists what it compresses, each with the published value', () => {
    const deviations = pdartsDeviations(pdartsSettings(loadTier('smoke').nas.pdarts));
    const text = deviations.join('\n');
    expect(text).toContain('2 stages instead of 3');
    expect(text).toContain('3 / 3 epochs per stage instead of 25');
    expect(text).toContain('α learning rate 0.02 instead of 0.0006');
    expect(text).toContain('searches on 1000 images');
    expect(text).toContain('NAS-Bench-201 cell space');
    expect(text).toContain('weight-only warm-up 1 of 3 / 1 of 3 epochs instead of 10 of 25 (the published ratio, rounded)');
  });

  test('the paper tier departs only where the space forces it or where it says so', () => {
    const deviations = pdartsDeviations(pdartsSettings(loadTier('paper').nas.pdarts));
    expect(deviations.some((d) => d.includes('stages instead'))).toBe(false);
    expect(deviations.some((d) => d.includes('epochs per stage'))).toBe(false);
    expect(deviations.some((d) => d.includes('warm-up'))).toBe(false);
    expect(deviations.some((d) => d.startsWith('α learning rate'))).toBe(false);
    // Settings equal to the published ones are never listed.
    const published = { ...pdartsSettings(loadTier('paper').nas.pdarts), batchSize: PDARTS_PUBLISHED.batchSize, weightMinLearningRate: 0 };
    expect(pdartsDeviations(published).some((d) => d.startsWith('batch size') || d.startsWith('final weight'))).toBe(false);
  });
});
