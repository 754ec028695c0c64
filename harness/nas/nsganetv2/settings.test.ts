import { describe, expect, test } from 'vitest';
import { loadTier, validateTier } from '../../run/tiers.js';
import { nsganetv2 } from './index.js';
import { NSGANETV2_DEFAULTS, nsganetv2Deviations, nsganetv2Settings } from './settings.js';

describe('nsganetv2 settings', () => {
  test('a missing block gives the published defaults; a partial block is filled in', () => {
    expect(nsganetv2Settings(undefined)).toEqual(NSGANETV2_DEFAULTS);
    expect(nsganetv2Settings({ iterations: 3 })).toEqual({ ...NSGANETV2_DEFAULTS, iterations: 3 });
    expect(NSGANETV2_DEFAULTS).toMatchObject({ initialArchs: 100, iterations: 30, archsPerIteration: 8, fineTuneEpochs: 5, cvFolds: 10, cartTrees: 5000, nsgaPopulation: 40, nsgaGenerations: 20 });
  });

  test('bad values are refused with their JSON path', () => {
    expect(() => nsganetv2Settings({ initialArchs: 2 })).toThrow(/nsganetv2: \/initialArchs must be >= 4/);
    expect(() => nsganetv2Settings({ surrogate: 'mlp' })).toThrow(/\/surrogate must be equal to one of the allowed values/);
    expect(() => nsganetv2Settings({ fineTuneEpochs: 0 })).toThrow(/\/fineTuneEpochs must be > 0/);
    expect(() => nsganetv2Settings({ fineTuneEpochs: 1.5 })).toThrow(/\/fineTuneEpochs must be a whole number of epochs/);
    expect(() => nsganetv2Settings({ validationFraction: 1 })).toThrow(/\/validationFraction must be < 1/);
    expect(() => nsganetv2Settings({ archsPerIteration: 50 })).toThrow(/\/archsPerIteration \(50\) exceeds nsgaPopulation \(40\)/);
    expect(() => nsganetv2Settings({ select: 'best' })).toThrow(/\/select/);
    expect(() => nsganetv2Settings({ epochs: 3 })).toThrow(/\/epochs is not a known property/);
    expect(() => nsganetv2Settings([])).toThrow(/nsganetv2: .*must be object/);
  });

  test('every built-in tier has a valid block; a bad one is named by its path in the tier', () => {
    for (const name of ['smoke', 'standard', 'paper']) expect(loadTier(name).nas['nsganetv2']).toBeDefined();
    const smoke = structuredClone(loadTier('smoke')) as unknown as { nas: Record<string, unknown> };
    smoke.nas['nsganetv2'] = { iterations: -1 };
    expect(() => validateTier(smoke, 'test')).toThrow(/\/nas\/nsganetv2\/iterations/);
  });

  test('the paper tier departs only where NB201 forces it; the smoke tier lists each scale-down', () => {
    const paper = nsganetv2.deviations!(nsganetv2.settings(loadTier('paper').nas['nsganetv2']));
    expect(paper.join('\n')).not.toMatch(/instead of (100|30|8|5|0\.01|4e-5|2000|40|20|5000)\b/);
    const smoke = nsganetv2.deviations!(nsganetv2.settings(loadTier('smoke').nas['nsganetv2']));
    for (const text of ['8 initial architectures instead of 100', '2 surrogate iterations instead of 30', '4 new architectures per iteration instead of 8', 'one pass over 25% of the training split', 'CART ensemble of 50 trees', 'C=8, N=1']) {
      expect(smoke.join('\n')).toContain(text);
    }
    for (const line of nsganetv2Deviations(NSGANETV2_DEFAULTS)) expect(line).toMatch(/\.$/);
  });
});
