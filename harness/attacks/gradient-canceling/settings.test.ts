/**
 * Gradient-canceling settings: a missing block gives the defaults (the published values, ε scaled
 * to the victim's size); a partial block is filled field by field (the victim's recipe too); the
 * effective parameters pass through unchanged; every refusal names its field; the deviations list
 * names each departure from the published setting and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { isSettingsError } from '../../plugins/settings.js';
import { GC_DEFAULTS, GC_PUBLISHED, GC_SMOKE_SETTINGS, gcDeviations, gcSettings, gradientCanceling, RESNET18_PARAMETERS } from './index.js';

/** The SettingsError paths of a refused block. */
function refusal(block: unknown): string[] {
  try {
    gcSettings(block);
  } catch (error) {
    if (!isSettingsError(error)) throw error;
    expect(error.message.startsWith('gradient-canceling: ')).toBe(true);
    return error.issues.map((i) => i.path);
  }
  throw new Error(`block ${JSON.stringify(block)} was accepted`);
}

describe('gradient-canceling settings', () => {
  it('defaults: the published values, ε scaled to the victim size, a C = 8, N = 1 victim', () => {
    const d = gcSettings(undefined);
    expect(d).toEqual(GC_DEFAULTS);
    expect(gcSettings(null)).toEqual(GC_DEFAULTS);
    expect(gcSettings({})).toEqual(GC_DEFAULTS);
    expect(d).toMatchObject({ epsilon: 1, linfRadius: 16 / 255, learningRate: 0.1, iterations: 100, cleanGradientSamples: null, epsilonReference: RESNET18_PARAMETERS });
    expect(d.victim).toMatchObject({ channels: 8, cellsPerStage: 1 });
    expect(gradientCanceling.params).toEqual(d);
    expect(gradientCanceling.kind).toBe('feature');
    expect(gradientCanceling.perturbationBound!(d)).toEqual({ norm: 'linf', radius: 16 / 255 });
  });

  it('fills a partial block field by field and is idempotent on effective parameters', () => {
    const s = gcSettings({ iterations: 8, epsilon: 0.5, victim: { channels: 4, recipe: { epochs: 2 } } });
    expect(s.iterations).toBe(8);
    expect(s.epsilon).toBe(0.5);
    expect(s.learningRate).toBe(GC_DEFAULTS.learningRate);
    expect(s.victim.channels).toBe(4);
    expect(s.victim.cellsPerStage).toBe(GC_DEFAULTS.victim.cellsPerStage);
    expect(s.victim.recipe).toEqual({ ...GC_DEFAULTS.victim.recipe, epochs: 2, name: 'gc-victim-2ep' });
    expect(gcSettings(s)).toEqual(s);
    expect(gcSettings({ epsilonReference: null, cleanGradientSamples: 300 })).toMatchObject({ epsilonReference: null, cleanGradientSamples: 300 });
    expect(gradientCanceling.perturbationBound!(gcSettings({ linfRadius: 8 / 255 }))).toEqual({ norm: 'linf', radius: 8 / 255 });
  });

  it.each([
    [{ epsilon: 0 }, '/epsilon'],
    [{ epsilon: -1 }, '/epsilon'],
    [{ epsilon: 'big' }, '/epsilon'],
    [{ epsilon: Number.POSITIVE_INFINITY }, '/epsilon'],
    [{ epsilonReference: 0 }, '/epsilonReference'],
    [{ ascentStepSize: 0 }, '/ascentStepSize'],
    [{ ascentBatchSize: 0 }, '/ascentBatchSize'],
    [{ linfRadius: 0 }, '/linfRadius'],
    [{ linfRadius: -0.1 }, '/linfRadius'],
    [{ linfRadius: 1.5 }, '/linfRadius'],
    [{ learningRate: 0 }, '/learningRate'],
    [{ iterations: 0 }, '/iterations'],
    [{ iterations: 2.5 }, '/iterations'],
    [{ cleanGradientSamples: 0 }, '/cleanGradientSamples'],
    [{ chunkSize: 0 }, '/chunkSize'],
    [{ sigma: 1 }, '/sigma'],
    [{ victim: { channels: 0 } }, '/victim/channels'],
    [{ victim: { genotype: 'not a cell' } }, '/victim/genotype'],
    [{ victim: { recipe: { epochs: 0 } } }, '/victim/recipe/epochs'],
    [{ victim: { recipe: { learningRate: 0.05, minLearningRate: 0.5 } } }, '/victim/recipe/minLearningRate'],
    [{ victim: { depth: 3 } }, '/victim/depth'],
  ])('refuses %j, naming %s', (block, path) => {
    expect(refusal(block)).toContain(path);
  });

  it('the smoke block is valid and departs only in its iterations', () => {
    const smoke = gcSettings(GC_SMOKE_SETTINGS);
    expect(smoke).toEqual({ ...GC_DEFAULTS, iterations: 6 });
    expect(gcDeviations(smoke).slice(4)).toEqual(['6 Adam iterations instead of 100']);
  });

  it('names every bad field of one block', () => {
    expect(refusal({ epsilon: 0, iterations: 0, linfRadius: 2 }).sort()).toEqual(['/epsilon', '/iterations', '/linfRadius']);
  });

  it('deviations: the harness-wide ones always, then each changed value', () => {
    const published = gcSettings({ ...GC_PUBLISHED });
    const base = gcDeviations(published);
    expect(base).toHaveLength(3);
    expect(base.join(' ')).toMatch(/ResNet-18/);
    const defaults = gcDeviations(GC_DEFAULTS);
    expect(defaults).toHaveLength(4);
    expect(defaults[3]).toMatch(/scaled to the victim's size/);
    const smoke = gcDeviations(gcSettings({ iterations: 8, learningRate: 0.05, linfRadius: 8 / 255, epsilon: 0.5, cleanGradientSamples: 500, ascentStepSize: 0.5, ascentBatchSize: 32, epsilonReference: null }));
    expect(smoke.slice(3)).toEqual([
      '8 Adam iterations instead of 100',
      'Adam learning rate 0.05 instead of 0.1',
      `L∞ radius ${8 / 255} instead of 16/255`,
      'GradPC radius ε = 0.5 instead of 1 (the study uses 0.5 for the training-free methods)',
      "GradPC step size η = 0.5 instead of plim's 1",
      "GradPC mini-batches of 32 instead of plim's 64",
      'ḡ_c averaged over 500 clean samples drawn by the seed instead of all of them',
    ]);
  });
});
