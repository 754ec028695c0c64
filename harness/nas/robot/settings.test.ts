import { describe, expect, test } from 'vitest';
import { ROBOT_DEFAULTS, ROBOT_PUBLISHED, ROBOT_SCHEMA, robotDeviations, robotSearchCost, robotSettings } from './settings.js';

describe('RoBoT settings', () => {
  test('a missing block gives the defaults, which are the study’s settings; a partial block is filled in', () => {
    expect(robotSettings(undefined)).toEqual(ROBOT_DEFAULTS);
    expect(robotSettings({ epochs: 3 })).toEqual({ ...ROBOT_DEFAULTS, epochs: 3 });
    for (const [key, value] of Object.entries(ROBOT_PUBLISHED)) {
      if (key in ROBOT_DEFAULTS) expect(ROBOT_DEFAULTS[key as keyof typeof ROBOT_DEFAULTS], key).toBe(value);
    }
    // Every field of the schema has its default written there.
    for (const [key, field] of Object.entries(ROBOT_SCHEMA.schema.properties as Record<string, object>)) expect(field, key).toHaveProperty('default');
  });

  test('bad values are refused with their JSON path', () => {
    expect(() => robotSettings({ poolSize: 1 })).toThrow(/^robot: \/poolSize must be >= 2/);
    expect(() => robotSettings({ queries: 0 })).toThrow(/\/queries must be >= 1/);
    expect(() => robotSettings({ validationFraction: 1 })).toThrow(/\/validationFraction must be < 1/);
    expect(() => robotSettings({ searchSubset: 5 })).toThrow(/\/searchSubset must be >= 20/);
    expect(() => robotSettings({ ucbKappa: -1 })).toThrow(/\/ucbKappa must be >= 0/);
    expect(() => robotSettings({ nesterov: 'no' })).toThrow(/\/nesterov must be boolean/);
    expect(() => robotSettings({ pool: 20 })).toThrow(/\/pool is not a known property/);
    expect(() => robotSettings([])).toThrow(/must be object/);
  });

  test('rules across fields name both fields', () => {
    expect(() => robotSettings({ queries: 30, poolSize: 20 })).toThrow(/\/queries \(30\) exceeds \/poolSize \(20\)/);
    expect(() => robotSettings({ queries: 5 })).toThrow(/\/boSteps \(25\) exceeds \/queries \(5\)/);
    expect(() => robotSettings({ queries: 5, boSteps: 2, randomSteps: 3 })).toThrow(/\/randomSteps \(3\) exceeds \/boSteps \(2\)/);
    expect(() => robotSettings({ learningRate: 0.001 })).toThrow(/\/minLearningRate \(0.005\) exceeds \/learningRate \(0.001\)/);
  });

  test('deviations: the space and recipe differences always; each setting away from the study, by name', () => {
    const base = robotDeviations(ROBOT_DEFAULTS);
    expect(base).toHaveLength(4);
    expect(base[0]).toMatch(/NAS-Bench-201 cell space/);
    const small = robotDeviations(robotSettings({ poolSize: 24, queries: 5, boSteps: 5, epochs: 1, channels: 8, searchSubset: 1000 }));
    expect(small.slice(4)).toEqual([
      'searches on 1000 images of the (poisoned) training set instead of all of it',
      'pool size 24 instead of 100',
      'queries (T) 5 instead of 25',
      'BO steps 5 instead of 25',
      'initial channels 8 instead of 16',
      'epochs of brief training 1 instead of 10',
    ]);
  });
});

describe('RoBoT search cost hint', () => {
  test('T brief trainings on the training part plus metric passes over pool and panel, scaled by width', () => {
    const run = { trainSize: 1000, evaluation: { channels: 8, cellsPerStage: 1, epochs: 4 }, panelSize: 10 };
    const s = robotSettings({ poolSize: 20, queries: 4, boSteps: 4, epochs: 2, channels: 8, metricBatchSize: 16 });
    // 4 queries × 2 epochs × 500 images + 30 cells × 8 passes × 16 images, at relative width 1.
    expect(robotSearchCost(s, run)).toBe(4 * 2 * 500 + 30 * 8 * 16);
    expect(robotSearchCost({ ...s, scorePanel: false, channels: 16 }, run)).toBe(4 * (4 * 2 * 500 + 20 * 8 * 16));
  });
});
