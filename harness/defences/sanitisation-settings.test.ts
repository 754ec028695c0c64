// Loss-sanitisation's tier block: defaults filled in, partial model and recipe blocks merged onto
// the defaults, and every refusal naming its JSON path within the block.
import { describe, expect, test } from 'vitest';
import { isSettingsError, type SettingsError } from '../plugins/settings.js';
import { RESNET_CELL } from '../train/surrogate.js';
import { lossSanitisation, lossSanitisationSettings, SANITISATION_DEFAULTS } from './index.js';

/** The issues of the SettingsError that `block` raises (fails the test when it raises none). */
function issues(block: unknown): SettingsError['issues'] {
  try {
    lossSanitisationSettings(block);
  } catch (error) {
    if (isSettingsError(error)) {
      expect(error.message).toMatch(/^loss-sanitisation: /);
      return error.issues;
    }
    throw error;
  }
  throw new Error(`${JSON.stringify(block)} was accepted`);
}

describe('loss-sanitisation settings: defaults', () => {
  test('no block (undefined or null) gives the defaults', () => {
    for (const block of [undefined, null, {}]) {
      expect(lossSanitisationSettings(block)).toEqual({
        fraction: 0.5,
        perClass: false,
        model: { genotype: RESNET_CELL, channels: 8, cellsPerStage: 1, recipe: expect.objectContaining({ name: 'sanitisation-5ep', epochs: 5, batchSize: 64, learningRate: 0.05 }) },
      });
    }
    expect(lossSanitisation.params).toBe(SANITISATION_DEFAULTS);
  });

  test('the defaults are copied, not shared: changing a result changes no later one', () => {
    const a = lossSanitisationSettings(undefined);
    a.model.recipe.epochs = 99;
    expect(lossSanitisationSettings(undefined).model.recipe.epochs).toBe(5);
  });

  test('given fields replace defaults one by one; a recipe without a name is named by its epochs', () => {
    const s = lossSanitisationSettings({ fraction: 0.2, perClass: true, model: { channels: 4, recipe: { epochs: 2, batchSize: 32 } } });
    expect(s.fraction).toBe(0.2);
    expect(s.perClass).toBe(true);
    expect(s.model).toMatchObject({ genotype: RESNET_CELL, channels: 4, cellsPerStage: 1 });
    expect(s.model.recipe).toEqual({ ...SANITISATION_DEFAULTS.model.recipe, name: 'sanitisation-2ep', epochs: 2, batchSize: 32 });
  });

  test('idempotent: the effective settings pass unchanged (the filter re-checks what it is given)', () => {
    const s = lossSanitisationSettings({ fraction: 0.3, model: { recipe: { epochs: 2, name: 'mine' } } });
    expect(lossSanitisationSettings(s)).toEqual(s);
    expect(lossSanitisationSettings(SANITISATION_DEFAULTS)).toEqual(SANITISATION_DEFAULTS);
  });
});

describe('loss-sanitisation settings: refusals name the path', () => {
  test.each([
    [{ fraction: 0 }, '/fraction', 'must be > 0'],
    [{ fraction: 1 }, '/fraction', 'must be < 1'],
    [{ fraction: 1.5 }, '/fraction', 'must be < 1'],
    [{ fraction: -0.1 }, '/fraction', 'must be > 0'],
    [{ fraction: '0.5' }, '/fraction', 'must be number'],
    [{ perClass: 'yes' }, '/perClass', 'must be boolean'],
    [{ fractoin: 0.5 }, '/fractoin', 'is not a known property'],
    [{ model: { channels: 0 } }, '/model/channels', 'must be >= 1'],
    [{ model: { width: 8 } }, '/model/width', 'is not a known property'],
    [{ model: { recipe: { epochs: 0 } } }, '/model/recipe/epochs', 'must be >= 1'],
    [{ model: { recipe: { schedule: 'step' } } }, '/model/recipe/schedule', 'must be equal to one of the allowed values'],
    [{ model: { recipe: { lr: 0.1 } } }, '/model/recipe/lr', 'is not a known property'],
  ])('%j is refused at %s', (block, path, message) => {
    expect(issues(block)).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  test('every mistake of a block is named at once', () => {
    expect(issues({ fraction: 1, extra: true }).map((i) => i.path).sort()).toEqual(['/extra', '/fraction']);
  });

  test('a block that is not an object is refused', () => {
    expect(issues(0.5)).toContainEqual({ path: '', message: 'must be object' });
  });

  test('a genotype that does not parse is refused at /model/genotype', () => {
    expect(issues({ model: { genotype: '|conv~0|' } })).toEqual([{ path: '/model/genotype', message: expect.stringContaining('Invalid NAS-Bench-201 genotype string') }]);
  });

  test('a cell that cannot be trained (dead convolutions, or no path from input to output) is refused at /model/genotype', () => {
    expect(issues({ model: { genotype: '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|' } })).toEqual([
      { path: '/model/genotype', message: expect.stringMatching(/cannot be trained: its nor_conv_3x3 on edge 0→1 never reaches the cell's output/) },
    ]);
    expect(issues({ model: { genotype: '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' } })).toEqual([
      { path: '/model/genotype', message: expect.stringContaining('its output does not depend on its input') },
    ]);
  });

  test('a recipe the schema cannot refuse alone (minLearningRate above learningRate) is refused at /model/recipe/minLearningRate', () => {
    expect(issues({ model: { recipe: { learningRate: 0.01, minLearningRate: 0.1 } } })).toEqual([{ path: '/model/recipe/minLearningRate', message: expect.stringContaining('0.1') }]);
  });
});
