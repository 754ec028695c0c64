/**
 * Linear regions: hand-counted activation patterns of threshold networks, and the one-conv network
 * against the pattern count of its float64 twin (training mode, duplicate samples in the batch).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { linearLayer, ParamStore, reluActivation } from '../engine/nn.js';
import { Rng } from '../engine/rng.js';
import { activationPatterns, linearRegions, linearRegionsMetric } from './linear-regions.js';
import { buildTinyConvNet, makeBatch, randomImages, unlabelledBatch, type TinyShape } from './test-networks.js';
import type { ProxyNetwork } from './types.js';

const BACKENDS = ['wasm', 'cpu'] as const;

/** relu(x − 0.5) and relu(x − 0.7) through the hook: unit patterns are "pixel > 0.5" and "pixel > 0.7". */
function thresholdNet(): ProxyNetwork & { dispose(): void } {
  const params = new ParamStore(new Rng(3));
  const linear = linearLayer(params, 2, 2);
  return {
    params,
    forward: (x, ctx) => {
      const a = tf.mean(reluActivation(tf.sub(x, 0.5), ctx), [1, 2, 3]);
      const b = tf.mean(reluActivation(tf.sub(x, 0.7), ctx), [1, 2, 3]);
      return linear(tf.stack([a, b], 1) as tf.Tensor2D);
    },
    dispose: () => params.dispose(),
  };
}

describe('linear_regions', () => {
  it('is label-free and higher-is-better', () => {
    expect(linearRegionsMetric.usesLabels).toBe(false);
    expect(linearRegionsMetric.higherIsBetter).toBe(true);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: threshold network, counted by hand`, async () => {
      await initBackend(backend);
      const net = thresholdNet();
      // 2×2 images. Site 1 sees > 0.5, site 2 sees > 0.7. Images 0 and 1 agree on site 1 (all
      // above 0.5) but not on site 2; image 2 repeats image 0; image 3 is different everywhere;
      // image 4 differs from image 3 only below both thresholds (0.1 vs 0.2): same pattern.
      const images = Float32Array.from([
        0.6, 0.6, 0.6, 0.6,
        0.9, 0.9, 0.6, 0.6,
        0.6, 0.6, 0.6, 0.6,
        0.2, 0.9, 0.2, 0.2,
        0.1, 0.9, 0.1, 0.2,
      ]);
      const batch = makeBatch(images, [5, 2, 2, 1], new Int32Array(5), 2);
      const before = tf.memory().numTensors;
      const { rows, units } = await activationPatterns(net, batch);
      expect(units).toBe(8);
      // Bits: units 0–3 site 1, 4–7 site 2, little-endian within the byte.
      expect(Array.from(rows, (r) => r[0])).toEqual([0b00001111, 0b00111111, 0b00001111, 0b00100010, 0b00100010]);
      expect(await linearRegions(net, unlabelledBatch(batch))).toBe(3);
      expect(tf.memory().numTensors).toBe(before);
      batch.dispose();
      net.dispose();
    });

    it(`${backend}: one-conv network matches the float64 pattern count (training-mode batch norm)`, async () => {
      await initBackend(backend);
      const shape: TinyShape = { n: 7, h: 8, w: 8, inC: 1, c: 2, k: 3 };
      const net = buildTinyConvNet(shape, 21);
      const per = shape.h * shape.w * shape.inC;
      const distinct = randomImages(5, shape.h, shape.w, shape.inC, 22);
      // Samples 5 and 6 repeat samples 1 and 3: identical inputs share a pattern.
      const images = new Float32Array(shape.n * per);
      images.set(distinct);
      images.set(distinct.subarray(per, 2 * per), 5 * per);
      images.set(distinct.subarray(3 * per, 4 * per), 6 * per);
      const batch = makeBatch(images, [shape.n, shape.h, shape.w, shape.inC], new Int32Array(shape.n), shape.k);
      let relu: Float64Array = new Float64Array(0);
      net.forward64(await net.theta(), Float64Array.from(images), { training: true, onRelu: (a) => (relu = a) });
      const patterns = new Set<string>();
      const units = shape.h * shape.w * shape.c;
      for (let s = 0; s < shape.n; s++) patterns.add(Array.from(relu.subarray(s * units, (s + 1) * units), (v) => (v > 0 ? '1' : '0')).join(''));
      expect(patterns.size).toBe(5);
      expect(await linearRegions(net, batch)).toBe(patterns.size);
      batch.dispose();
      net.dispose();
    });
  }
});
