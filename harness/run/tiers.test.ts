// Tiers are data checked against a schema: the built-in ones load; a mistake in a tier file fails
// naming the file and the JSON path of the mistake; an unknown tier name lists the built-in ones.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { nasAlgorithms } from '../nas/index.js';
import { settingsSchema } from '../plugins/settings.js';
import type { PdartsTierSettings } from '../nas/pdarts/settings.js';
import { tierArgument } from './config.js';
import { builtInTierNames, loadTier, nasSettingsOf, validateTier, type Tier } from './tiers.js';

const TINY = fileURLToPath(new URL('../../fixtures/tiers/tiny.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naspoison-tiers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny = (): Tier => JSON.parse(readFileSync(TINY, 'utf8')) as Tier;
/** The tier's P-DARTS block, typed as P-DARTS's settings module writes it (the tier type knows no method's fields). */
const pdartsOf = (t: Tier): PdartsTierSettings => t.nas.pdarts as PdartsTierSettings;
let written = 0;
function writeTier(value: unknown, text?: string): string {
  const path = join(dir, `tier-${written++}.json`);
  writeFileSync(path, text ?? JSON.stringify(value, null, 2));
  return path;
}
function loadError(path: string): string {
  try {
    loadTier(path);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`loadTier(${path}) did not fail`);
}

describe('built-in tiers', () => {
  test('the three built-in tiers are smoke, standard and paper', () => {
    expect(builtInTierNames()).toEqual(['paper', 'smoke', 'standard']);
  });

  test.each(['smoke', 'standard', 'paper'])('%s loads, validates and is named after its file', (name) => {
    const tier = loadTier(name);
    expect(tier.name).toBe(name);
    expect(validateTier(structuredClone(tier), name)).toEqual(tier);
    expect(pdartsOf(tier).stages[0]!.opsPerEdge).toBe(5);
    expect(tier.trials).toBeGreaterThanOrEqual(1);
  });

  test('they grow from smoke to standard to paper', () => {
    const [smoke, standard, paper] = ['smoke', 'standard', 'paper'].map((n) => loadTier(n));
    expect(smoke!.trials).toBeLessThanOrEqual(standard!.trials);
    expect(smoke!.evaluation.recipe.epochs).toBeLessThan(standard!.evaluation.recipe.epochs);
    expect(standard!.evaluation.recipe.epochs).toBeLessThan(paper!.evaluation.recipe.epochs);
  });

  test('the tiny test tier loads from its file path', () => {
    const tier = loadTier(TINY);
    expect(tier.name).toBe('tiny');
    expect(tier.data.resolution).toBe(8);
  });

  test('the default is --tier, else NASPOISON_TIER, else smoke (read where the run configuration is built)', () => {
    expect(loadTier(tierArgument(undefined, {})).name).toBe('smoke');
    expect(loadTier(tierArgument(undefined, { NASPOISON_TIER: 'standard' })).name).toBe('standard');
    expect(loadTier(tierArgument(undefined, { NASPOISON_TIER: TINY })).name).toBe('tiny');
    expect(loadTier(tierArgument('paper', { NASPOISON_TIER: TINY })).name).toBe('paper');
  });
});

describe('unknown tiers', () => {
  test('an unknown name lists the built-in tiers', () => {
    expect(() => loadTier('no-such-tier')).toThrow('unknown tier "no-such-tier"; built-in tiers: paper, smoke, standard (or give a path to a tier JSON file)');
  });

  test('a missing tier file is named', () => {
    const path = join(dir, 'absent.json');
    expect(() => loadTier(path)).toThrow(`tier file ${path} does not exist`);
  });

  test('a file that is not JSON is named', () => {
    const path = writeTier(undefined, '{ "name": "broken", ');
    expect(loadError(path)).toMatch(new RegExp(`^tier file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON: `));
  });
});

describe('mistakes in a tier file fail naming the file and the JSON path', () => {
  const cases: Array<[string, (t: Tier & Record<string, unknown>) => void, string]> = [
    ['trials: 0', (t) => (t.trials = 0), '/trials must be >= 1'],
    ['trials: 2.5', (t) => (t.trials = 2.5), '/trials must be integer'],
    ['trials: "3"', (t) => ((t as Record<string, unknown>).trials = '3'), '/trials must be integer'],
    ['resolution: 1.5', (t) => (t.data.resolution = 1.5), '/data/resolution must be integer'],
    ['resolution: 2', (t) => (t.data.resolution = 2), '/data/resolution must be >= 4'],
    ['trainSubset: 5', (t) => (t.data.trainSubset = 5), '/data/trainSubset must be >= 20'],
    ['missing evaluation.recipe.epochs', (t) => delete (t.evaluation.recipe as Partial<Tier['evaluation']['recipe']>).epochs, "/evaluation/recipe must have required property 'epochs'"],
    ['recipe epochs: 0', (t) => (t.evaluation.recipe.epochs = 0), '/evaluation/recipe/epochs must be >= 1'],
    ['unknown schedule', (t) => ((t.evaluation.recipe as { schedule: string }).schedule = 'linear'), '/evaluation/recipe/schedule must be equal to one of the allowed values (cosine,constant)'],
    ['momentum: 1', (t) => (t.evaluation.recipe.momentum = 1), '/evaluation/recipe/momentum must be < 1'],
    ['learningRate: 0', (t) => (t.evaluation.recipe.learningRate = 0), '/evaluation/recipe/learningRate must be > 0'],
    ['randomBaseline.samples: 1', (t) => (t.randomBaseline.samples = 1), '/randomBaseline/samples must be >= 2'],
    ['a NAS block that is not an object', (t) => ((t as { nas: unknown }).nas = []), '/nas must be object'],
    ['a NAS method name that cannot be registered', (t) => ((t.nas as Record<string, unknown>)['My NAS'] = {}), '/nas/My NAS is not a valid name: it must match pattern "^[a-z][a-z0-9-]*$"'],
    ['a P-DARTS block that is not an object', (t) => ((t.nas as Record<string, unknown>).pdarts = 3), '/nas/pdarts must be object'],
    ['no stages', (t) => (pdartsOf(t).stages = []), '/nas/pdarts/stages must NOT have fewer than 1 items'],
    ['opsPerEdge growing between stages', (t) => (pdartsOf(t).stages[1]!.opsPerEdge = 5), '/nas/pdarts/stages/1/opsPerEdge must shrink from stage to stage (5 → 5)'],
    [
      'opsPerEdge growing in a third stage',
      (t) => pdartsOf(t).stages.push({ ...pdartsOf(t).stages[1]!, opsPerEdge: 4 }),
      '/nas/pdarts/stages/2/opsPerEdge must shrink from stage to stage (3 → 4)',
    ],
    ['first stage without all ops', (t) => (pdartsOf(t).stages[0]!.opsPerEdge = 4), '/nas/pdarts/stages/0/opsPerEdge must be 5'],
    ['opsPerEdge: 1', (t) => (pdartsOf(t).stages[1]!.opsPerEdge = 1), '/nas/pdarts/stages/1/opsPerEdge must be >= 2'],
    ['warm-up longer than the stage', (t) => (pdartsOf(t).stages[0]!.warmupEpochs = 2), '/nas/pdarts/stages/0/warmupEpochs (2) exceeds epochs (1)'],
    ['skipDropout: 1', (t) => (pdartsOf(t).stages[1]!.skipDropout = 1), '/nas/pdarts/stages/1/skipDropout must be < 1'],
    ['maxSkipConnects: 7', (t) => (pdartsOf(t).maxSkipConnects = 7), '/nas/pdarts/maxSkipConnects must be <= 6'],
    ['unknown top-level property', (t) => (t.trails = 3), '/trails is not a known property'],
    ['unknown nested property', (t) => ((t.data as unknown as Record<string, unknown>).resolutoin = 8), '/data/resolutoin is not a known property'],
    ['unknown stage property', (t) => ((pdartsOf(t).stages[0] as unknown as Record<string, unknown>).epoch = 1), '/nas/pdarts/stages/0/epoch is not a known property'],
    ['bad name', (t) => (t.name = 'Tiny Tier'), '/name must match pattern'],
  ];

  test.each(cases)('%s', (_, edit, expected) => {
    const tier = tiny() as Tier & Record<string, unknown>;
    edit(tier);
    const path = writeTier(tier);
    const message = loadError(path);
    expect(message).toContain(`tier ${path}: `);
    expect(message).toContain(expected);
  });

  test('several mistakes are all reported', () => {
    const tier = tiny();
    tier.trials = 0;
    tier.data.resolution = 1.5;
    const message = loadError(writeTier(tier));
    expect(message).toContain('/trials must be >= 1');
    expect(message).toContain('/data/resolution must be integer');
  });

  test('validateTier names its origin', () => {
    const tier = tiny();
    tier.trials = 0;
    expect(() => validateTier(tier, '"inline"')).toThrow('tier "inline": /trials must be >= 1');
  });

  test('an unmodified copy of the tiny tier is valid', () => {
    expect(loadTier(writeTier(tiny()))).toEqual(tiny());
  });
});

describe('NAS blocks belong to their methods', () => {
  test('the tier schema requires no method: a tier without a P-DARTS block loads', () => {
    const tier = tiny();
    delete (tier.nas as Record<string, unknown>).pdarts;
    expect(loadTier(writeTier(tier)).nas).toEqual({});
  });

  test('a P-DARTS matrix at a tier without its block is refused, naming the block', () => {
    const tier = tiny();
    delete (tier.nas as Record<string, unknown>).pdarts;
    expect(() => nasSettingsOf(tier, 'pdarts', '"no-pdarts"')).toThrow('tier "no-pdarts": /nas/pdarts is missing: a tier that runs pdarts needs a nas.pdarts settings block');
  });

  test('several mistakes in one block are each named by their path in the tier', () => {
    const tier = tiny();
    pdartsOf(tier).maxSkipConnects = 7;
    pdartsOf(tier).channels = 0;
    const message = loadError(writeTier(tier));
    expect(message).toContain('/nas/pdarts/channels must be >= 1');
    expect(message).toContain('/nas/pdarts/maxSkipConnects must be <= 6');
  });

  test('a block of a method not registered yet is kept, unchecked, until a plugin registers the method; then the method checks it', () => {
    const tier = tiny();
    (tier.nas as Record<string, unknown>)['tiers-test-plugin'] = { epochs: 0 };
    const loaded = loadTier(writeTier(tier));
    expect(loaded.nas['tiers-test-plugin']).toEqual({ epochs: 0 });

    const schema = settingsSchema<{ epochs?: number }>('tiers-test-plugin', {
      type: 'object',
      additionalProperties: false,
      properties: { epochs: { type: 'integer', minimum: 1 } },
    });
    nasAlgorithms.register({
      name: 'tiers-test-plugin',
      description: 'test only: a plugin with its own settings schema',
      family: 'baseline',
      settings: (block) => ({ epochs: 1, ...schema.check(block ?? {}) }),
      search: () => {
        throw new Error('not searched in this test');
      },
    });
    // Where a matrix declares the method (harness/spec/matrix.ts), and when a tier loads afterwards.
    expect(() => nasSettingsOf(loaded, 'tiers-test-plugin', '"with-plugin"')).toThrow('tier "with-plugin": /nas/tiers-test-plugin/epochs must be >= 1');
    expect(loadError(writeTier(tier))).toContain('/nas/tiers-test-plugin/epochs must be >= 1');
    (tier.nas as Record<string, unknown>)['tiers-test-plugin'] = {};
    expect(nasSettingsOf(loadTier(writeTier(tier)), 'tiers-test-plugin', '"with-plugin"')).toEqual({ epochs: 1 });
  });

  test('a method registered nowhere is named with the registered ones', () => {
    expect(() => nasSettingsOf(tiny(), 'nobody', '"tiny"')).toThrow(/unknown NAS algorithm "nobody"; registered: .*pdarts/);
  });
});
