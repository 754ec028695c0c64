// NSGANetV2 end to end on tiny synthetic data, and its candidate evaluation's pieces.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticDataset, syntheticPair } from '../../data/index.js';
import { initBackend } from '../../engine/backend.js';
import { Rng } from '../../engine/rng.js';
import { isDegenerate } from '../../space/canonical.js';
import { genotypeFromString } from '../../space/genotype.js';
import { buildSinglePathSupernet } from '../../space/single-path-supernet.js';
import { calibrateBatchNorm, evaluateCandidate } from './evaluate-candidate.js';
import { encodeGenotype, nsganetv2Search } from './search.js';
import { nsganetv2Settings } from './settings.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const settings = nsganetv2Settings({
  validationFraction: 0.25,
  channels: 2,
  cellsPerStage: 1,
  supernetEpochs: 1,
  supernetBatchSize: 16,
  initialArchs: 4,
  iterations: 1,
  archsPerIteration: 2,
  fineTuneEpochs: 0.5,
  fineTuneBatchSize: 16,
  bnCalibrationImages: 32,
  cvFolds: 2,
  cartTrees: 5,
  nsgaPopulation: 8,
  nsgaGenerations: 3,
});
const { train } = syntheticPair({ trainN: 96, testN: 8, seed: 3, height: 8, width: 8, channels: 1, numClasses: 4 });
const panel = ['|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|', '|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|avg_pool_3x3~2|'].map(genotypeFromString);
const cell = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|');

async function values(vs: readonly tf.Variable[]): Promise<number[][]> {
  return Promise.all(vs.map(async (v) => Array.from(await v.data())));
}

describe('nsganetv2 search', () => {
  test('a tiny search evaluates the initial and proposed cells, returns one of its front, scores the panel, and repeats exactly', async () => {
    const a = await nsganetv2Search({ train, settings, seed: 5, panel });
    expect(a.diagnostics).toMatchObject({ evaluatedArchs: 6, selectedBy: 'most-accurate', surrogateFolds: 2 });
    expect(['rbf', 'gp', 'cart']).toContain(a.diagnostics.surrogate);
    expect(typeof a.diagnostics.searchMs).toBe('number');
    expect(typeof a.diagnostics.supernetMs).toBe('number');
    expect(isDegenerate(a.genotype)).toBe(false);
    const front = JSON.parse(String(a.diagnostics.front)) as Array<{ genotype: string; error: number }>;
    expect(front.length).toBe(a.diagnostics.frontSize);
    expect(front[0]!.error).toBe(a.diagnostics.bestValidationError);
    expect(a.panelScores).toHaveLength(2);
    const b = await nsganetv2Search({ train, settings, seed: 5, panel });
    const stable = (d: typeof a.diagnostics) => Object.fromEntries(Object.entries(d).filter(([k]) => !k.endsWith('Ms')));
    expect(stable(b.diagnostics)).toEqual(stable(a.diagnostics));
    expect(b.panelScores).toEqual(a.panelScores);
  }, 120_000);

  test('evaluating a candidate inherits the supernet weights and leaves the supernet unchanged; the same seed gives the same error', async () => {
    const supernet = buildSinglePathSupernet({ channels: 2, cellsPerStage: 1, inputChannels: 1, numClasses: 4 }, new Rng(8));
    try {
      const before = await values([...supernet.params.weights, ...supernet.params.state]);
      const data = { train, validation: syntheticDataset({ n: 24, seed: 3, height: 8, width: 8, channels: 1, numClasses: 4, part: 'val' }) };
      const e1 = await evaluateCandidate(supernet, cell, data, settings, 1);
      expect(e1).toBeGreaterThanOrEqual(0);
      expect(e1).toBeLessThanOrEqual(100);
      expect(await values([...supernet.params.weights, ...supernet.params.state])).toEqual(before);
      expect(await evaluateCandidate(supernet, cell, data, settings, 1)).toBe(e1);
    } finally {
      supernet.dispose();
    }
  });

  test('BN calibration gives the batches\' statistics whatever their number (its momentum matches the layers\')', async () => {
    const supernet = buildSinglePathSupernet({ channels: 2, cellsPerStage: 1, inputChannels: 1, numClasses: 4 }, new Rng(9));
    const one = syntheticDataset({ n: 8, seed: 4, height: 8, width: 8, channels: 1, numClasses: 4 });
    // The same 8 images three times: three identical batches of 8.
    const three = { ...one, n: 24, images: new Float32Array([...one.images, ...one.images, ...one.images]), labels: new Int32Array([...one.labels, ...one.labels, ...one.labels]) };
    const net = supernet.extract(cell);
    try {
      calibrateBatchNorm(net, one, 8);
      const once = await values(net.params.state);
      calibrateBatchNorm(net, three, 8);
      const thrice = await values(net.params.state);
      once.flat().forEach((v, i) => expect(thrice.flat()[i]).toBeCloseTo(v, 4));
      expect(once.flat().some((v) => v !== 0 && v !== 1)).toBe(true);
    } finally {
      net.dispose();
      supernet.dispose();
    }
  });

  test('the encoding one-hots the active ops (none is the zero level)', () => {
    const e = encodeGenotype(genotypeFromString('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'));
    // The conv on node 1 is dead: only the skip 0→3 (edge 3) remains.
    expect(e).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
