/**
 * The training path never reads a tensor synchronously (issue 7): webgpu in Node cannot (its
 * dataSync throws), and on any device backend a synchronous read stalls the queue every step. The
 * rule is checked where it can run without a GPU — cpu and wasm — by counting every call of the
 * engine's readSync, through which dataSync, arraySync and bufferSync all go. Kernels reading
 * their own inputs (backend.readSync, heap views) are not host reads and are not counted.
 */
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { syntheticDataset, syntheticPair } from '../data/synthetic.js';
import { initBackend } from '../engine/backend.js';
import { Rng } from '../engine/rng.js';
import { scoreCandidate } from '../nas/early-stopping/search.js';
import { nsganetv2 } from '../nas/nsganetv2/index.js';
import { pdarts } from '../nas/pdarts/index.js';
import { robot } from '../nas/robot/index.js';
import { tenas } from '../nas/tenas/index.js';
import { TRAINING_FREE_METRIC_NAMES, computeMetrics } from '../proxies/index.js';
import { EARLY_STOPPING_DEFAULTS } from '../nas/early-stopping/settings.js';
import { loadTier } from '../run/tiers.js';
import { genotypeFromString } from '../space/genotype.js';
import { buildNetwork } from '../space/network.js';
import { evaluateModel, trainModel } from './trainer.js';
import { nb201Recipe } from './recipe.js';

const GENOTYPE = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');
const tier = loadTier(fileURLToPath(new URL('../../fixtures/tiers/tiny.json', import.meta.url)));

/** Stacks of every synchronous read while installed. */
function watchSyncReads(): { reads: string[]; restore(): void } {
  const engine = tf.engine();
  const original = engine.readSync;
  const reads: string[] = [];
  engine.readSync = function (this: typeof engine, ...args: Parameters<typeof original>) {
    reads.push(new Error('synchronous tensor read').stack ?? '');
    return original.apply(this, args);
  };
  return { reads, restore: () => void (engine.readSync = original) };
}

describe.each(['cpu', 'wasm'] as const)('no synchronous reads on %s', (backend) => {
  let watch: ReturnType<typeof watchSyncReads>;
  beforeEach(async () => {
    await initBackend(backend);
    watch = watchSyncReads();
  });
  afterEach(() => watch.restore());

  test('the watch sees a dataSync, an arraySync and a bufferSync (the check can fail)', () => {
    const t = tf.tensor1d([1, 2]);
    t.dataSync();
    t.arraySync();
    t.bufferSync();
    t.dispose();
    expect(watch.reads).toHaveLength(3);
  });

  test('training and evaluating an NB201 network (SGD, Nesterov, clipping, train-mode batch norm)', async () => {
    const data = syntheticPair({ trainN: 48, testN: 24, seed: 5, height: 8, width: 8, channels: 1, numClasses: 4 });
    const net = buildNetwork(GENOTYPE, { channels: 4, cellsPerStage: 1, inputChannels: 1, numClasses: 4 }, new Rng(3));
    try {
      const trained = await trainModel(net, data.train, nb201Recipe(2, { batchSize: 16, learningRate: 0.05, evalBatchSize: 10 }), { seed: 3 });
      const tested = await evaluateModel(net, data.test, 10);
      expect(Number.isFinite(trained.finalLoss)).toBe(true);
      expect(tested.total).toBe(24);
    } finally {
      net.dispose();
    }
    expect(watch.reads).toEqual([]);
  });

  test('a P-DARTS search (supernet weights by SGD, α by Adam, α read at the end)', async () => {
    const settings = pdarts.settings(tier.nas.pdarts);
    const train = syntheticDataset({ n: backend === 'cpu' ? 64 : 160, seed: 3, height: 8, numClasses: 4 });
    const outcome = await pdarts.search({ train, settings, seed: 11 });
    expect(outcome.genotype).toHaveLength(6);
    expect(watch.reads).toEqual([]);
  });

  test('every training-free metric (first and second order, activation hooks, eigenvalues on the host)', async () => {
    const data = syntheticPair({ trainN: 8, testN: 4, seed: 9, height: 8, width: 8, channels: 1, numClasses: 4 });
    const net = buildNetwork(GENOTYPE, { channels: 2, cellsPerStage: 1, inputChannels: 1, numClasses: 4 }, new Rng(4));
    const x = tf.tensor4d(data.train.images, [data.train.n, 8, 8, 1]);
    try {
      const values = await computeMetrics(net, { x, labels: data.train.labels, numClasses: 4 }, TRAINING_FREE_METRIC_NAMES);
      expect(Object.keys(values)).toHaveLength(8);
    } finally {
      x.dispose();
      net.dispose();
    }
    expect(watch.reads).toEqual([]);
  });

  // Tiny settings: what is checked is where tensors are read, not the search's quality.
  const panel = [GENOTYPE];
  test.each([
    ['TE-NAS', () => tenas.search({ train: syntheticDataset({ n: 32, seed: 3, height: 8, numClasses: 4 }), settings: tenas.settings({ channels: 2, batchSize: 3, repeats: 1, regionSamples: 50, regionCrop: 3 }), seed: 2, panel })],
    [
      'RoBoT',
      () =>
        robot.search({
          train: syntheticDataset({ n: 48, seed: 3, height: 8, numClasses: 4 }),
          settings: robot.settings({ poolSize: 4, queries: 2, boSteps: 1, metricBatchSize: 8, channels: 2, epochs: 1, batchSize: 16, learningRate: 0.05, acquisitionSamples: 50, acquisitionRestarts: 1 }),
          seed: 2,
          panel,
        }),
    ],
    [
      'NSGANetV2',
      () =>
        nsganetv2.search({
          train: syntheticDataset({ n: 64, seed: 3, height: 8, numClasses: 4 }),
          settings: nsganetv2.settings({ validationFraction: 0.25, channels: 2, supernetEpochs: 1, supernetBatchSize: 16, initialArchs: 4, iterations: 1, archsPerIteration: 2, fineTuneEpochs: 0.5, fineTuneBatchSize: 16, bnCalibrationImages: 16, cvFolds: 2, cartTrees: 3, nsgaPopulation: 6, nsgaGenerations: 2 }),
          seed: 2,
          panel,
        }),
    ],
  ] as const)('a %s search', async (_name, search) => {
    const outcome = await search();
    expect(outcome.genotype).toHaveLength(6);
    expect(watch.reads).toEqual([]);
  });

  test('an early-stopping candidate (brief training, validation accuracy)', async () => {
    const data = syntheticPair({ trainN: 32, testN: 16, seed: 7, height: 8, width: 8, channels: 1, numClasses: 4 });
    const settings = { ...EARLY_STOPPING_DEFAULTS, channels: 4, batchSize: 16 };
    const accuracy = await scoreCandidate(GENOTYPE, data.train, data.test, settings, 5);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(watch.reads).toEqual([]);
  });
});
