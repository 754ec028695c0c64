// The single-path supernet: a path's forward pass is the network of that cell, an extracted cell
// starts from the supernet's weights and trains without touching them, and a path trains only its ops.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticPair } from '../data/index.js';
import { initBackend } from '../engine/backend.js';
import { Rng } from '../engine/rng.js';
import { nb201Recipe } from '../train/recipe.js';
import { trainModel } from '../train/trainer.js';
import { genotypeFromString } from './genotype.js';
import { buildSinglePathSupernet } from './single-path-supernet.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const config = { channels: 3, cellsPerStage: 1, inputChannels: 1, numClasses: 4 };
const cell = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|');
const { train } = syntheticPair({ trainN: 32, testN: 8, seed: 5, height: 8, width: 8, channels: 1, numClasses: 4 });

async function values(vs: readonly tf.Variable[]): Promise<number[][]> {
  return Promise.all(vs.map(async (v) => Array.from(await v.data())));
}

async function logits(net: { forward(x: tf.Tensor4D, ctx: { training: boolean }): tf.Tensor2D }): Promise<number[]> {
  const x = tf.tensor4d(train.images.subarray(0, 4 * 64), [4, 8, 8, 1]);
  const y = net.forward(x, { training: false });
  const out = Array.from(await y.data());
  tf.dispose([x, y]);
  return out;
}

describe('single-path supernet', () => {
  test('an extracted cell computes what the supernet computes on its path, from copies of the same weights', async () => {
    const supernet = buildSinglePathSupernet(config, new Rng(1));
    const net = supernet.extract(cell);
    try {
      supernet.path = cell;
      expect(await logits(net)).toEqual(await logits(supernet));
      // The same values (the two lists order the skeleton and the ops differently).
      const sorted = (vs: number[][]) => vs.map((v) => JSON.stringify(v)).sort();
      expect(sorted(await values(net.params.weights))).toEqual(sorted(await values(supernet.pathWeights(cell))));
      expect(net.params.weights.every((v) => !supernet.params.weights.includes(v))).toBe(true);
    } finally {
      net.dispose();
      supernet.dispose();
    }
  });

  test('fine-tuning an extracted cell starts from the supernet weights and leaves the supernet unchanged', async () => {
    const supernet = buildSinglePathSupernet(config, new Rng(2));
    const before = await values(supernet.params.weights);
    const net = supernet.extract(cell);
    try {
      const inherited = await values(net.params.weights);
      await trainModel(net, train, nb201Recipe(1, { batchSize: 16 }), { seed: 3 });
      expect(await values(supernet.params.weights)).toEqual(before);
      expect(await values(net.params.weights)).not.toEqual(inherited);
    } finally {
      net.dispose();
      supernet.dispose();
    }
  });

  test('a path uses the skeleton and its active ops only; an op the supernet does not hold is refused', () => {
    const supernet = buildSinglePathSupernet(config, new Rng(3));
    const small = buildSinglePathSupernet({ ...config, edgeOps: [['nor_conv_3x3'], ['skip_connect'], ['nor_conv_1x1'], ['avg_pool_3x3'], ['none'], ['nor_conv_3x3']] }, new Rng(3));
    try {
      const skeleton = supernet.pathWeights(genotypeFromString('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|')).length;
      // Three convs (ReLU-Conv-BN: conv weight, BN γ and β) in each of the 3 cells.
      expect(supernet.pathWeights(cell).length).toBe(skeleton + 3 * 3 * 3);
      // The conv on node 1 feeds nothing: not on the path.
      expect(supernet.pathWeights(genotypeFromString('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|')).length).toBe(skeleton);
      expect(small.params.weights.length).toBe(skeleton + 3 * 3 * 3);
      expect(() => (small.path = genotypeFromString('|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|'))).toThrow(/does not hold/);
    } finally {
      supernet.dispose();
      small.dispose();
    }
  });
});
