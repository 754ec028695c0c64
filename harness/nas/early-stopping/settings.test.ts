import { describe, expect, test } from 'vitest';
import { loadTier, validateTier } from '../../run/tiers.js';
import { EARLY_STOPPING_DEFAULTS, EARLY_STOPPING_SCHEMA, earlyStoppingSettings } from './settings.js';

describe('random-early-stopping settings', () => {
  test('a missing block gives the defaults; a partial block is filled in', () => {
    expect(earlyStoppingSettings(undefined)).toEqual(EARLY_STOPPING_DEFAULTS);
    expect(earlyStoppingSettings({ epochs: 3 })).toEqual({ ...EARLY_STOPPING_DEFAULTS, epochs: 3 });
  });

  test('bad values are refused with their JSON path', () => {
    expect(() => earlyStoppingSettings({ epochs: 0 })).toThrow('random-early-stopping: /epochs must be >= 1');
    expect(() => earlyStoppingSettings({ validationFraction: 1 })).toThrow('/validationFraction must be < 1');
    expect(() => earlyStoppingSettings({ learningRate: -1 })).toThrow('/learningRate must be > 0');
    expect(() => earlyStoppingSettings({ searchSubset: 5 })).toThrow('/searchSubset must be >= 20');
    expect(() => earlyStoppingSettings({ epoch: 3 })).toThrow('/epoch is not a known property');
    expect(() => earlyStoppingSettings([])).toThrow('(block) must be object');
  });

  test('every built-in tier has a valid block; loading a tier names a bad one by its path in the tier', () => {
    for (const name of ['smoke', 'standard', 'paper']) expect(loadTier(name).nas['random-early-stopping']).toBeDefined();
    const smoke = structuredClone(loadTier('smoke')) as unknown as { nas: Record<string, Record<string, unknown>> };
    smoke.nas['random-early-stopping'] = { epochs: 0 };
    expect(() => validateTier(smoke, 'test')).toThrow(/\/nas\/random-early-stopping\/epochs/);
    smoke.nas['random-early-stopping'] = { bogus: 1 };
    expect(() => validateTier(smoke, 'test')).toThrow(/random-early-stopping\/bogus is not a known property/);
  });
});

describe('the settings schema belongs to the method', () => {
  test('it lives in the method folder and every default satisfies it', () => {
    expect(EARLY_STOPPING_SCHEMA.check({ ...EARLY_STOPPING_DEFAULTS })).toEqual(EARLY_STOPPING_DEFAULTS);
    expect(Object.keys((EARLY_STOPPING_SCHEMA.schema.properties ?? {}) as object).sort()).toEqual(Object.keys(EARLY_STOPPING_DEFAULTS).sort());
  });
});
