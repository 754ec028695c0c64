// Tiers are data checked against a schema: the built-in ones load; a mistake in a tier file fails
// naming the file and the JSON path of the mistake; an unknown tier name lists the built-in ones.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { builtInTierNames, loadTier, validateTier, type Tier } from './tiers.js';

const TINY = fileURLToPath(new URL('../../fixtures/tiers/tiny.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naspoison-tiers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny = (): Tier => JSON.parse(readFileSync(TINY, 'utf8')) as Tier;
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
    expect(tier.nas.pdarts.stages[0]!.opsPerEdge).toBe(5);
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

  describe('the default', () => {
    const saved = process.env.NASPOISON_TIER;
    afterEach(() => {
      if (saved === undefined) delete process.env.NASPOISON_TIER;
      else process.env.NASPOISON_TIER = saved;
    });
    test('is NASPOISON_TIER, else smoke', () => {
      delete process.env.NASPOISON_TIER;
      expect(loadTier().name).toBe('smoke');
      process.env.NASPOISON_TIER = 'standard';
      expect(loadTier().name).toBe('standard');
      process.env.NASPOISON_TIER = TINY;
      expect(loadTier().name).toBe('tiny');
    });
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
    ['missing nas.pdarts', (t) => delete (t.nas as Partial<Tier['nas']>).pdarts, "/nas must have required property 'pdarts'"],
    ['no stages', (t) => (t.nas.pdarts.stages = []), '/nas/pdarts/stages must NOT have fewer than 1 items'],
    ['opsPerEdge growing between stages', (t) => (t.nas.pdarts.stages[1]!.opsPerEdge = 5), '/nas/pdarts/stages/1/opsPerEdge must shrink from stage to stage (5 → 5)'],
    [
      'opsPerEdge growing in a third stage',
      (t) => t.nas.pdarts.stages.push({ ...t.nas.pdarts.stages[1]!, opsPerEdge: 4 }),
      '/nas/pdarts/stages/2/opsPerEdge must shrink from stage to stage (3 → 4)',
    ],
    ['first stage without all ops', (t) => (t.nas.pdarts.stages[0]!.opsPerEdge = 4), '/nas/pdarts/stages/0/opsPerEdge must be 5'],
    ['opsPerEdge: 1', (t) => (t.nas.pdarts.stages[1]!.opsPerEdge = 1), '/nas/pdarts/stages/1/opsPerEdge must be >= 2'],
    ['warm-up longer than the stage', (t) => (t.nas.pdarts.stages[0]!.warmupEpochs = 2), '/nas/pdarts/stages/0/warmupEpochs (2) exceeds epochs (1)'],
    ['skipDropout: 1', (t) => (t.nas.pdarts.stages[1]!.skipDropout = 1), '/nas/pdarts/stages/1/skipDropout must be < 1'],
    ['maxSkipConnects: 7', (t) => (t.nas.pdarts.maxSkipConnects = 7), '/nas/pdarts/maxSkipConnects must be <= 6'],
    ['unknown top-level property', (t) => (t.trails = 3), '/trails is not a known property'],
    ['unknown nested property', (t) => ((t.data as unknown as Record<string, unknown>).resolutoin = 8), '/data/resolutoin is not a known property'],
    ['unknown stage property', (t) => ((t.nas.pdarts.stages[0] as unknown as Record<string, unknown>).epoch = 1), '/nas/pdarts/stages/0/epoch is not a known property'],
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
