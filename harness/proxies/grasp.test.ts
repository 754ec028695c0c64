/**
 * GraSP's Hessian-gradient product against float64 central differences: on the one-conv network
 * (through the custom conv and the training-mode batch norm, fused on wasm, in their recorded
 * backward passes), H g = d/dε ∇L(θ + ε g) with ∇L itself by central differences of the float64
 * twin; and the metric −Σ θ ⊙ H g from it. On an NB201 network (every op kind, batch norm in
 * training mode), H g against float32 central differences of tfjs gradients at a step small enough
 * that no ReLU changes sign: a step that crosses a ReLU kink turns the difference quotient into
 * jump/step (errors near 100 % at steps of 1e-4 to 1e-5 there, measured), which says nothing
 * about the autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { centralDifferences, concat, relativeError } from '../engine/test-utils.js';
import { layerWeights, readAndDispose } from './common.js';
import { grasp, graspMetric, hessianGradientProduct } from './grasp.js';
import { activationPatterns } from './linear-regions.js';
import { lossGradients } from './loss-gradients.js';
import { buildTestNb201, buildTinyConvNet, crossEntropy64, makeBatch, randomImages, randomLabels, tensorsLeftBehind, tinyLayout, type TinyShape } from './test-networks.js';

const BACKENDS = ['wasm', 'cpu'] as const;
const SHAPE: TinyShape = { n: 4, h: 8, w: 8, inC: 1, c: 3, k: 3 };

describe('grasp', () => {
  it('uses labels', () => {
    expect(graspMetric.usesLabels).toBe(true);
    expect(graspMetric.name).toBe('grasp');
  });

  for (const backend of BACKENDS) {
    it(`${backend}: H g matches float64 central differences; grasp = −Σ θ ⊙ H g`, async () => {
      await initBackend(backend);
      const net = buildTinyConvNet(SHAPE, 61);
      const images = randomImages(SHAPE.n, SHAPE.h, SHAPE.w, SHAPE.inC, 62);
      const labels = randomLabels(SHAPE.n, SHAPE.k, 63);
      const batch = makeBatch(images, [SHAPE.n, SHAPE.h, SHAPE.w, SHAPE.inC], labels, SHAPE.k);
      const x = Float64Array.from(images);
      const theta = await net.theta();
      const layout = tinyLayout(SHAPE);
      const loss = (t: Float64Array): number => crossEntropy64(net.forward64(t, x, { training: true }), labels, SHAPE.k);
      // Layer weights only: H and g restricted to the conv kernel and the linear weights.
      const inLayers = (i: number): boolean => (i >= layout.conv && i < layout.gamma) || (i >= layout.linW && i < layout.linB);
      const grad = (t: Float64Array): Float64Array => centralDifferences(loss, t, 1e-4).map((v, i) => (inLayers(i) ? v : 0));
      const g = grad(theta);
      const eps = 1e-4;
      const plus = grad(theta.map((v, i) => v + eps * g[i]!));
      const minus = grad(theta.map((v, i) => v - eps * g[i]!));
      const hg = plus.map((p, i) => (p - minus[i]!) / (2 * eps));
      const expected = concat([hg.subarray(layout.conv, layout.gamma), hg.subarray(layout.linW, layout.linB)]);

      const autodiff = concat(await hessianGradientProduct(net, batch, layerWeights(net)));
      // Measured: ~1e-6 on both backends (float32 autodiff against float64 differences).
      expect(relativeError(autodiff, expected)).toBeLessThan(1e-4);
      let expectedGrasp = 0;
      for (let i = 0; i < theta.length; i++) if (inLayers(i)) expectedGrasp -= theta[i]! * hg[i]!;
      const value = await grasp(net, batch);
      expect(Math.abs(value - expectedGrasp) / Math.abs(expectedGrasp)).toBeLessThan(1e-4);
      expect(await tensorsLeftBehind(() => grasp(net, batch))).toBe(0);
      batch.dispose();
      net.dispose();
    });
  }

  for (const backend of BACKENDS) {
    it(`${backend}: H g on an NB201 network matches kink-free float32 central differences`, async () => {
      await initBackend(backend);
      const net = buildTestNb201(4, 1, 5, 71);
      const batch = makeBatch(randomImages(4, 8, 8, 1, 72), [4, 8, 8, 1], randomLabels(4, 5, 73), 5);
      const weights = layerWeights(net);
      const gradients = async (): Promise<Float64Array> => concat(await Promise.all(tf.tidy(() => lossGradients(net, batch, weights)).map((t) => readAndDispose(t))));
      const g = tf.tidy(() => lossGradients(net, batch, weights).map((t) => tf.keep(t)));
      const original = weights.map((w) => tf.keep(tf.clone(w)));
      const patterns = async (): Promise<string> => (await activationPatterns(net, batch)).rows.map((r) => r.join(',')).join(';');
      const at = async (eps: number): Promise<{ grads: Float64Array; pattern: string }> => {
        weights.forEach((w, i) => w.assign(tf.tidy(() => tf.add(original[i]!, tf.mul(eps, g[i]!)))));
        try {
          return { grads: await gradients(), pattern: await patterns() };
        } finally {
          weights.forEach((w, i) => w.assign(original[i]!));
        }
      };
      const pattern0 = await patterns();
      let checked = false;
      for (const eps of [3e-5, 1e-5, 3e-6]) {
        const plus = await at(eps);
        const minus = await at(-eps);
        if (plus.pattern !== pattern0 || minus.pattern !== pattern0) continue;
        const fd = plus.grads.map((p, i) => (p - minus.grads[i]!) / (2 * eps));
        const autodiff = concat(await hessianGradientProduct(net, batch, weights));
        // Measured: 1.5e-4–3e-3 at the steps that cross no kink, both backends.
        expect(relativeError(autodiff, fd)).toBeLessThan(1e-2);
        checked = true;
        break;
      }
      expect(checked).toBe(true);
      tf.dispose([...g, ...original]);
      batch.dispose();
      net.dispose();
    });
  }
});
