// TE-NAS settings: the published NB201 settings as defaults and at the paper tier, the smaller
// tiers' departures named, mistakes named by their path in the block.
import { describe, expect, test } from 'vitest';
import { loadTier } from '../../run/tiers.js';
import { tenasDeviations, tenasSearchCost, tenasSettings, TENAS_PUBLISHED } from './settings.js';

describe('tenas settings', () => {
  test('a missing block means TE-NAS as published: NTK batch 72 of a C = 3, N = 1 supernet, 3 repeats, 3,000 3×3 crops, precision 3, none removed first', () => {
    expect(tenasSettings(undefined)).toEqual({ ...TENAS_PUBLISHED, scorePanel: true });
    expect(TENAS_PUBLISHED).toEqual({ channels: 3, cellsPerStage: 1, batchSize: 72, repeats: 3, regionSamples: 3000, regionCrop: 3, precision: 3, pruneNoneFirst: true });
  });

  test('the paper tier runs the published settings; the smoke tier names every departure', () => {
    const paper = tenasSettings(loadTier('paper').nas.tenas);
    expect(paper).toMatchObject(TENAS_PUBLISHED);
    // Only the two choices every tier makes (fixed inputs over repeats; input scaling) remain.
    expect(tenasDeviations(paper)).toHaveLength(2);
    const smoke = tenasDeviations(tenasSettings(loadTier('smoke').nas.tenas));
    expect(smoke).toEqual(expect.arrayContaining(['NTK batch of 8 images instead of 72', '1 repeat instead of 3', 'linear regions counted over 1000 crops instead of 3000 (3 × 1000)']));
  });

  test('mistakes are named by their path within the block', () => {
    expect(() => tenasSettings({ batchSize: 1 })).toThrow(/tenas: \/batchSize must be >= 2/);
    expect(() => tenasSettings({ repeat: 3 })).toThrow(/tenas: \/repeat is not a known property/);
    expect(() => tenasSettings({ pruneNoneFirst: 'yes' })).toThrow(/\/pruneNoneFirst must be boolean/);
  });

  test('the cost hint: passes (batch × networks × repeats), each at least a 64-image training step', () => {
    const run = { trainSize: 2000, evaluation: { channels: 8, cellsPerStage: 1, epochs: 4 }, panelSize: 16 };
    const base = tenasSearchCost(tenasSettings({ batchSize: 8, repeats: 1 }), run);
    // 3 rounds of 25, 19 and 13 supernets, the final cell, 16 panel cells; 8 passes each of ≥ 64 images.
    expect(base).toBe((25 + 19 + 13 + 1 + 16) * 8 * 64);
    expect(tenasSearchCost(tenasSettings({ batchSize: 16, repeats: 1 }), run)).toBe(2 * base);
    expect(tenasSearchCost(tenasSettings({ batchSize: 8, repeats: 3 }), run)).toBe(3 * base);
    expect(tenasSearchCost(tenasSettings({ batchSize: 128, repeats: 1 }), run)).toBe(16 * 2 * base);
  });
});
