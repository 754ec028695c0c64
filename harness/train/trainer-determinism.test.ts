// Same seed and backend → same numbers; a different seed → different ones. Tiny sizes, real training.
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticPair, takeIndices } from '../data/index.js';
import { initBackend } from '../engine/backend.js';
import { Rng } from '../engine/rng.js';
import { genotypeFromString } from '../space/genotype.js';
import { buildNetwork } from '../space/network.js';
import { evaluateGenotype } from './evaluate.js';
import { nb201Recipe } from './recipe.js';
import { evaluateModel, trainModel } from './trainer.js';

const data = syntheticPair({ trainN: 120, testN: 60, seed: 5, height: 8, width: 8, channels: 1, numClasses: 4 });
const genotype = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');
const recipe = nb201Recipe(2, { batchSize: 32, learningRate: 0.05, evalBatchSize: 50 });
const macro = { channels: 4, cellsPerStage: 1, inputChannels: 1, numClasses: 4 };

async function trainOnce(seed: number, trainN = data.train.n): Promise<{ loss: number; accuracy: number; weights: number[] }> {
  const net = buildNetwork(genotype, macro, new Rng(seed));
  try {
    const trained = await trainModel(net, takeIndices(data.train, Array.from({ length: trainN }, (_, i) => i)), recipe, { seed });
    const tested = await evaluateModel(net, data.test, recipe.evalBatchSize);
    return { loss: trained.finalLoss, accuracy: tested.accuracy, weights: Array.from(await net.params.weights[0]!.data()) };
  } finally {
    net.dispose();
  }
}

// The pure-JS cpu backend is ~100× slower: it gets the determinism check on a smaller problem.
describe.each([
  ['wasm', 120],
  ['cpu', 32],
] as const)('trainer on %s', (backend, trainN) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('same seed → identical loss, accuracy and weights', async () => {
    const a = await trainOnce(3, trainN);
    const b = await trainOnce(3, trainN);
    expect(b.loss).toBe(a.loss);
    expect(b.accuracy).toBe(a.accuracy);
    expect(b.weights).toEqual(a.weights);
  });

  test('a different seed gives different weights', async () => {
    expect((await trainOnce(4, trainN)).weights).not.toEqual((await trainOnce(3, trainN)).weights);
  });

});

describe('training learns', () => {
  test('the synthetic classes become separable (wasm)', async () => {
    await initBackend('wasm');
    const big = syntheticPair({ trainN: 320, testN: 80, seed: 6, height: 8, width: 8, channels: 1, numClasses: 4 });
    const net = buildNetwork(genotype, macro, new Rng(9));
    try {
      const before = (await evaluateModel(net, big.test, 80)).accuracy;
      const trained = await trainModel(net, big.train, nb201Recipe(8, { batchSize: 32, learningRate: 0.05 }), { seed: 9 });
      const after = (await evaluateModel(net, big.test, 80)).accuracy;
      expect(trained.finalLoss).toBeLessThan(Math.log(4) * 0.7);
      expect(after).toBeGreaterThan(Math.max(before, 0.6));
    } finally {
      net.dispose();
    }
  });
});

describe('evaluateGenotype', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test('isomorphic genotypes are trained as the same class representative: equal results', async () => {
    // Nodes 1 and 2 swapped: the same computation.
    const a = genotypeFromString('|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|nor_conv_3x3~1|nor_conv_1x1~2|');
    const b = genotypeFromString('|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|');
    const protocol = { recipe: nb201Recipe(1, { batchSize: 32 }), network: { channels: 4, cellsPerStage: 1 } };
    const ea = await evaluateGenotype(a, data, protocol, { seed: 1, backend: 'wasm' });
    const eb = await evaluateGenotype(b, data, protocol, { seed: 1, backend: 'wasm' });
    expect(ea.canonical).toBe(eb.canonical);
    expect(ea.trainedGenotype).toBe(eb.trainedGenotype);
    expect(eb.accuracy).toBe(ea.accuracy);
  });
});
