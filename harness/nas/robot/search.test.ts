// A real, tiny RoBoT search end to end: the harness's six metrics on real networks, real brief
// training; registered as a hybrid with tier blocks at every built-in tier; the same seed gives
// the same search.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticPair } from '../../data/index.js';
import { initBackend } from '../../engine/backend.js';
import { loadTier, validateTier } from '../../run/tiers.js';
import { canonicalGenotype } from '../../space/canonical.js';
import { genotypeFromString } from '../../space/genotype.js';
import { nasAlgorithms } from '../index.js';
import { robot } from './index.js';
import { ROBOT_METRICS } from './pool.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const panel = ['|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|', '|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|avg_pool_3x3~2|'].map(genotypeFromString);

describe('RoBoT search (real metrics and training, tiny)', () => {
  const { train } = syntheticPair({ trainN: 64, testN: 8, seed: 3, height: 8, width: 8, channels: 1, numClasses: 4 });
  const settings = robot.settings({ poolSize: 6, queries: 3, boSteps: 2, metricBatchSize: 8, channels: 2, epochs: 1, batchSize: 16, learningRate: 0.05, acquisitionSamples: 200, acquisitionRestarts: 2 });

  test('finds a pool cell with a validation accuracy, scores the panel, leaves no tensor behind, and repeats itself from the same seed', async () => {
    const a = await robot.search({ train, settings, seed: 4, panel });
    const d = a.diagnostics;
    expect(d).toMatchObject({ poolSize: 6, queries: 3, boSteps: 2, divergedQueries: 0 });
    expect(d.bestValidationAccuracy as number).toBeGreaterThanOrEqual(0);
    expect(d.bestValidationAccuracy as number).toBeLessThanOrEqual(100);
    expect(a.panelScores).toHaveLength(2);
    expect(a.panelScores!.every(Number.isFinite)).toBe(true);
    for (const name of ROBOT_METRICS) expect(Math.abs(d[`w_${name}`] as number)).toBeLessThanOrEqual(1);
    // The second search finds the engine's per-shape caches warm: any tensor more is a leak.
    const tensors = tf.memory().numTensors;
    const b = await robot.search({ train, settings, seed: 4, panel });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(canonicalGenotype(b.genotype)).toBe(canonicalGenotype(a.genotype));
    expect(b.diagnostics.bestValidationAccuracy).toBe(d.bestValidationAccuracy);
    expect(b.panelScores).toEqual(a.panelScores);
  });

  test('registered as a hybrid; every built-in tier has a valid block; the tier loader names a bad one', () => {
    expect(nasAlgorithms.get('robot')).toBe(robot);
    expect(robot.family).toBe('hybrid');
    for (const name of ['smoke', 'standard', 'paper']) {
      const block = (loadTier(name).nas as Record<string, unknown>)['robot'];
      expect(block, name).toBeDefined();
      expect(() => robot.settings(block)).not.toThrow();
    }
    // The paper tier runs the study's settings: its only deviations are the fixed ones.
    expect(robot.deviations!(robot.settings((loadTier('paper').nas as Record<string, unknown>)['robot']))).toHaveLength(4);
    const smoke = structuredClone(loadTier('smoke')) as unknown as { nas: Record<string, unknown> };
    smoke.nas['robot'] = { poolSize: 1 };
    expect(() => validateTier(smoke, 'test')).toThrow(/\/nas\/robot\/poolSize must be >= 2/);
    smoke.nas['robot'] = { queries: 30, poolSize: 20 };
    expect(() => validateTier(smoke, 'test')).toThrow(/\/nas\/robot\/queries \(30\) exceeds \/poolSize/);
  });
});
