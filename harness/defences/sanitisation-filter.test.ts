// Loss-based sanitisation with real training (tiny synthetic set, wasm): it removes exactly
// round(f·n) samples, and they are the highest losses of the model it trained (recomputed here from
// the cached model); it is deterministic, and a second filtering of the same set reads the model
// from the cache.
import { beforeAll, describe, expect, test } from 'vitest';
import { applyPoison } from '../attacks/poison.js';
import { randomLabelFlip } from '../attacks/random-label-flip.js';
import type { PoisonArtifact } from '../attacks/types.js';
import { classCounts } from '../data/dataset.js';
import { syntheticDataset } from '../data/synthetic.js';
import { initBackend } from '../engine/backend.js';
import type { ModelCache } from '../train/model-cache.js';
import { sampleOutputs } from '../train/surrogate.js';
import { lossSanitisation, lossSanitisationSettings, trainSanitisationModel, type FilterContext, type FilterOutcome } from './index.js';

const clean = syntheticDataset({ n: 90, seed: 21, height: 8, numClasses: 3 });
const poison = randomLabelFlip.craft(clean, 0.2, { seed: 5, backend: 'wasm' }) as PoisonArtifact;
const suspect = applyPoison(clean, poison);
const block = { fraction: 0.3, model: { channels: 4, recipe: { epochs: 2, batchSize: 32, evalBatchSize: 64 } } };

/** An in-memory ModelCache that counts its writes. */
function memoryCache(): ModelCache & { puts: number } {
  const entries = new Map<string, string>();
  const cache = {
    puts: 0,
    get: (key: string) => entries.get(key),
    put: (key: string, value: string) => {
      cache.puts++;
      entries.set(key, value);
    },
  };
  return cache;
}

function context(seed: number, models?: ModelCache, params: unknown = block): FilterContext {
  return { seed, backend: 'wasm', params: lossSanitisationSettings(params), poison, ...(models ? { models } : {}) };
}

describe('loss-sanitisation filter (wasm)', () => {
  let first: FilterOutcome;
  const cache = memoryCache();

  beforeAll(async () => {
    await initBackend('wasm');
    first = await lossSanitisation.filter(suspect, context(7, cache));
  });

  test('removes exactly round(f·n) samples and keeps the rest, ascending', () => {
    const count = Math.round(0.3 * suspect.n); // 27
    expect(first.kept.length).toBe(suspect.n - count);
    for (let k = 1; k < first.kept.length; k++) expect(first.kept[k]).toBeGreaterThan(first.kept[k - 1]!);
    expect(first.diagnostics).toMatchObject({ removed: count, modelCached: false });
    expect(cache.puts).toBe(1);
  });

  test('the removed samples are the highest losses of the model it trained (recomputed from the cache)', async () => {
    const model = await trainSanitisationModel(suspect, lossSanitisationSettings(block), context(7, cache));
    let losses: Float32Array;
    try {
      expect(model.cached).toBe(true);
      losses = (await sampleOutputs(model.network, suspect, 64)).losses;
    } finally {
      model.network.dispose();
    }
    const kept = new Set(first.kept);
    const keptLosses = [...kept].map((i) => losses[i]!);
    const droppedLosses = losses.filter((_, i) => !kept.has(i));
    // Every removed loss is at least every kept one: the removed set is a top-k of the losses.
    expect(Math.min(...droppedLosses)).toBeGreaterThanOrEqual(Math.max(...keptLosses));
    const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, x) => s + x, 0) / a.length;
    expect(first.diagnostics!.lossThreshold).toBe(Math.min(...droppedLosses));
    expect(first.diagnostics!.meanLossKept).toBeCloseTo(mean(keptLosses), 5);
    expect(first.diagnostics!.meanLossDropped).toBeCloseTo(mean(droppedLosses), 5);
  });

  test('filtering the same set again reads the model from the cache and keeps the same samples', async () => {
    const again = await lossSanitisation.filter(suspect, context(7, cache));
    expect(again.diagnostics).toMatchObject({ modelCached: true, modelTrainMs: 0, modelKey: first.diagnostics!.modelKey });
    expect(Array.from(again.kept)).toEqual(Array.from(first.kept));
    expect(cache.puts).toBe(1);
  });

  test('deterministic without a cache: the same seed trains the same model and keeps the same samples', async () => {
    const a = await lossSanitisation.filter(suspect, context(7));
    expect(a.diagnostics).toMatchObject({ modelCached: false, modelKey: first.diagnostics!.modelKey, lossThreshold: first.diagnostics!.lossThreshold });
    expect(Array.from(a.kept)).toEqual(Array.from(first.kept));
  });

  test('another seed trains another model (another cache key)', async () => {
    const other = await lossSanitisation.filter(suspect, context(8, cache));
    expect(other.diagnostics!.modelKey).not.toBe(first.diagnostics!.modelKey);
    expect(other.diagnostics!.modelCached).toBe(false);
  });

  test('perClass: each (poisoned) label class loses its proportional share, from the same cached model', async () => {
    const perClass = await lossSanitisation.filter(suspect, context(7, cache, { ...block, perClass: true }));
    expect(perClass.diagnostics!.modelCached).toBe(true);
    const before = classCounts(suspect.labels, 3);
    const after = classCounts(Int32Array.from(perClass.kept, (i) => suspect.labels[i]!), 3);
    // Poisoned labels count 35, 28, 27; 27 removals split 10.5, 8.4, 8.1 → 10, 8, 8 and the last to class 0.
    expect(Array.from(before)).toEqual([35, 28, 27]);
    expect(Array.from(before, (c, y) => c - after[y]!)).toEqual([11, 8, 8]);
  });

  test('the default settings (NB201 ResNet cell, C = 8, 5 epochs, f = 0.5) train and filter', async () => {
    const d = await lossSanitisation.filter(suspect, context(7, undefined, null));
    expect(d.kept.length).toBe(45);
    expect(d.diagnostics).toMatchObject({ removed: 45, modelCached: false });
    expect(d.diagnostics!.fitAccuracy).toBeGreaterThan(1 / 3);
  });

  test('a fraction that would remove every sample is refused before training', async () => {
    const three = syntheticDataset({ n: 3, seed: 1, height: 8, numClasses: 3 });
    await expect(lossSanitisation.filter(three, context(7, undefined, { ...block, fraction: 0.9 }))).rejects.toThrow(/fraction 0.9 of 3 samples removes all of them/);
  });

  test('parameters the settings would refuse are refused by the filter too', async () => {
    await expect(lossSanitisation.filter(suspect, { ...context(7), params: { fraction: 1 } })).rejects.toThrow(/loss-sanitisation: \/fraction must be < 1/);
  });
});
