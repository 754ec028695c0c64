// The random-early-stopping search on small synthetic data: it scores exactly the panel, returns the
// best-scoring cell, is a function of its seed, and refuses to run without a panel.
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticPair } from '../../data/index.js';
import { initBackend } from '../../engine/backend.js';
import { genotypeFromString } from '../../space/genotype.js';
import { earlyStoppingSearch } from './search.js';
import { earlyStoppingSettings } from './settings.js';

const panel = [
  '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|',
  '|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|avg_pool_3x3~2|',
  '|nor_conv_1x1~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|',
].map(genotypeFromString);
const settings = earlyStoppingSettings({ channels: 4, epochs: 1, batchSize: 16, validationFraction: 0.5 });

beforeAll(async () => {
  await initBackend('wasm');
});

describe('random-early-stopping search', () => {
  const { train } = syntheticPair({ trainN: 64, testN: 16, seed: 3, height: 8, width: 8, channels: 1, numClasses: 4 });

  test('scores every panel cell and returns the best one; the same seed gives the same scores', async () => {
    const a = await earlyStoppingSearch({ train, settings, seed: 11, panel });
    expect(a.panelScores).toHaveLength(panel.length);
    const best = a.panelScores!.indexOf(Math.max(...a.panelScores!));
    expect(a.genotype).toEqual(panel[best]);
    expect(a.diagnostics).toMatchObject({ candidates: 3, bestCandidate: best, bestValidationAccuracy: a.panelScores![best] });
    expect(typeof a.diagnostics.searchMs).toBe('number');
    const b = await earlyStoppingSearch({ train, settings, seed: 11, panel });
    expect(b.panelScores).toEqual(a.panelScores);
  });

  test('without a panel it says what it needs', async () => {
    await expect(earlyStoppingSearch({ train, settings, seed: 1 })).rejects.toThrow(/searches the panel the harness passes/);
  });
});
