// Supernet forward/backward shapes, op dropping and fixing, and derivation.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { Rng } from '../engine/rng.js';
import { genotypeToString } from './genotype.js';
import { buildNetwork } from './network.js';
import { NB201_OPS, type Nb201Op } from './ops.js';
import { buildSupernet } from './supernet.js';
import { genotypeFromString } from './genotype.js';

const config = { channels: 4, cellsPerStage: 2, inputChannels: 3, numClasses: 7 };

beforeAll(async () => {
  await initBackend('wasm');
});

describe('supernet', () => {
  test('forward gives [N, classes] logits; gradients reach every weight and every α with their shapes', async () => {
    const net = buildSupernet(config, new Rng(1));
    const x = tf.randomNormal([3, 12, 12, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 3, 6], 'int32'), 7) as tf.Tensor2D;
    const logits = tf.tidy(() => net.forward(x, { training: false }));
    expect(logits.shape).toEqual([3, 7]);
    const vars = [...net.params.weights, ...net.archParameters()];
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, { training: true })) as tf.Scalar, vars);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    for (const v of vars) {
      const g = grads[v.name]!;
      expect(g.shape).toEqual(v.shape);
      expect(Number.isFinite(g.sum().dataSync()[0]!)).toBe(true);
    }
    expect(net.archParameters()).toHaveLength(6);
    for (const a of net.archParameters()) expect(a.shape).toEqual([5]);
    expect((await net.edgeWeights()).every((w) => Math.abs(w.reduce((s, x) => s + x, 0) - 1) < 1e-5)).toBe(true);
    tf.dispose([x, y, logits, value, ...Object.values(grads)]);
    net.dispose();
  });

  test('dropped ops shrink α; an edge left with one op is fixed (no α)', async () => {
    const edgeOps: Nb201Op[][] = [
      ['nor_conv_3x3'],
      ['skip_connect', 'avg_pool_3x3'],
      ['none', 'nor_conv_1x1', 'nor_conv_3x3'],
      [...NB201_OPS],
      ['avg_pool_3x3'],
      ['skip_connect', 'nor_conv_3x3'],
    ];
    const net = buildSupernet({ ...config, edgeOps }, new Rng(2));
    expect(net.alphas.map((a) => a?.shape[0] ?? 0)).toEqual([0, 2, 3, 5, 0, 2]);
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const logits = tf.tidy(() => net.forward(x, { training: true }));
    expect(logits.shape).toEqual([2, 7]);
    const derived = await net.derive();
    expect(derived[0]).toBe('nor_conv_3x3');
    expect(derived[4]).toBe('avg_pool_3x3');
    expect(edgeOps[1]).toContain(derived[1]);
    tf.dispose([x, logits]);
    net.dispose();
  });

  test('fixing α to favour one op per edge derives that genotype', async () => {
    const target = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');
    const initialAlphas = target.map((op) => NB201_OPS.map((o) => (o === op ? 3 : 0)));
    const net = buildSupernet({ ...config, initialAlphas }, new Rng(4));
    expect(genotypeToString(await net.derive())).toBe(genotypeToString(target));
    net.dispose();
  });

  test('invalid op sets are refused with the edge named', () => {
    expect(() => buildSupernet({ ...config, edgeOps: [[], [], [], [], [], []] }, new Rng(1))).toThrow(/edge 0 has no ops left/);
    expect(() => buildSupernet({ ...config, edgeOps: [['skip_connect', 'skip_connect'], ['none'], ['none'], ['none'], ['none'], ['none']] }, new Rng(1))).toThrow(/edge 0 lists an op twice/);
  });
});

describe('network of one genotype', () => {
  test('the parameter count matches NB201 structure: no weights for pool/skip/none edges', () => {
    const convFree = buildNetwork(genotypeFromString('|skip_connect~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|'), config, new Rng(1));
    const oneConv = buildNetwork(genotypeFromString('|nor_conv_1x1~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|'), config, new Rng(1));
    // One 1×1 conv (C·C weights) + its BN (2C) per cell, at C, 2C, 4C with 2 cells per stage.
    const extra = [4, 8, 16].reduce((s, c) => s + 2 * (c * c + 2 * c), 0);
    expect(oneConv.params.parameterCount() - convFree.params.parameterCount()).toBe(extra);
    convFree.dispose();
    oneConv.dispose();
  });
});
