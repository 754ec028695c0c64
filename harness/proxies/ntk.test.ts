/**
 * NTK condition number: a linear network whose kernel has a closed form, and the one-conv network
 * against float64 JS (per-sample gradients by central differences of the float64 twin, in
 * training mode, as the metric computes them).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { centralDifferences } from '../engine/test-utils.js';
import { gramMatrix, symmetricEigenvalues } from './common.js';
import { ntkConditionNumber, ntkJacobian, ntkMetric } from './ntk.js';
import { buildLinearNet, buildTinyConvNet, makeBatch, randomImages, tinyLayout, unlabelledBatch, type TinyShape } from './test-networks.js';

const BACKENDS = ['wasm', 'cpu'] as const;

describe('ntk', () => {
  it('is label-free and lower-is-better', () => {
    expect(ntkMetric.usesLabels).toBe(false);
    expect(ntkMetric.higherIsBetter).toBe(false);
    expect(ntkMetric.name).toBe('ntk');
  });

  for (const backend of BACKENDS) {
    it(`${backend}: linear network, by hand: Θ = K·X Xᵀ (the bias is not a "weight"), κ = (11 + √85)/(11 − √85)`, async () => {
      await initBackend(backend);
      const net = buildLinearNet(4, 3, 7);
      // x₁ = (3, 0, 0, 0), x₂ = (1, 1, 0, 0): X Xᵀ = [[9, 3], [3, 2]], eigenvalues (11 ± √85)/2.
      const batch = makeBatch(Float32Array.from([3, 0, 0, 0, 1, 1, 0, 0]), [2, 2, 2, 1], new Int32Array(2), 3);
      const before = tf.memory().numTensors;
      const rows = await ntkJacobian(net, batch);
      // ∂(Σ_k f_k(x_n))/∂W_ik = x_n,i for every class k.
      expect(Array.from(rows[0]!)).toEqual([3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      const kappa = await ntkConditionNumber(net, unlabelledBatch(batch));
      expect(tf.memory().numTensors).toBe(before);
      expect(kappa).toBeCloseTo((11 + Math.sqrt(85)) / (11 - Math.sqrt(85)), 4);
      batch.dispose();
      net.dispose();
    });

    it(`${backend}: one-conv network with batch norm in training mode matches float64 JS`, async () => {
      await initBackend(backend);
      const shape: TinyShape = { n: 4, h: 8, w: 8, inC: 1, c: 3, k: 3 };
      const net = buildTinyConvNet(shape, 11);
      const images = randomImages(shape.n, shape.h, shape.w, shape.inC, 12);
      const batch = makeBatch(images, [shape.n, shape.h, shape.w, shape.inC], new Int32Array(shape.n), shape.k);
      const theta = await net.theta();
      const layout = tinyLayout(shape);
      const x = Float64Array.from(images);
      // Per-sample summed logits at θ, differentiated coordinate by coordinate.
      const perSample = (s: number) => (t: Float64Array): number => net.forward64(t, x, { training: true }).subarray(s * shape.k, (s + 1) * shape.k).reduce((a, b) => a + b, 0);
      // TE-NAS's "weight" parameters: conv kernel, BN γ, linear W (not β, not the linear bias).
      const blocks: Array<[number, number]> = [[layout.conv, layout.gamma], [layout.gamma, layout.beta], [layout.linW, layout.linB]];
      const rows: Float32Array[] = [];
      for (let s = 0; s < shape.n; s++) {
        const d = centralDifferences(perSample(s), theta, 1e-5);
        rows.push(Float32Array.from(blocks.flatMap(([a, b]) => Array.from(d.subarray(a, b)))));
      }
      const eig = symmetricEigenvalues(gramMatrix(rows), shape.n);
      const expected = eig[shape.n - 1]! / eig[0]!;
      const kappa = await ntkConditionNumber(net, batch);
      expect(Math.abs(kappa - expected) / expected).toBeLessThan(1e-3);
      expect(expected).toBeGreaterThan(1.5);
      batch.dispose();
      net.dispose();
    });
  }
});
