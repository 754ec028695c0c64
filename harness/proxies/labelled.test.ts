/**
 * grad_norm, snip and fisher on the one-conv network (conv → BN in training mode → ReLU → pool →
 * linear) against float64 JS: the loss gradient and ∂L/∂m by central differences of the float64
 * twin. The layer weights are the conv kernel and the linear weight matrix.
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { centralDifferences, norm2 } from '../engine/test-utils.js';
import { fisher, fisherMetric } from './fisher.js';
import { gradNorm, gradNormMetric } from './grad-norm.js';
import { snip, snipMetric } from './snip.js';
import { buildTinyConvNet, crossEntropy64, makeBatch, randomImages, randomLabels, tensorsLeftBehind, tinyLayout, type TinyShape } from './test-networks.js';

const BACKENDS = ['wasm', 'cpu'] as const;
const SHAPE: TinyShape = { n: 4, h: 8, w: 8, inC: 2, c: 3, k: 4 };
const RELATIVE = 1e-3;

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('label-using first-order metrics', () => {
  it('use labels and rank higher as better', () => {
    for (const m of [gradNormMetric, snipMetric, fisherMetric]) {
      expect(m.usesLabels).toBe(true);
      expect(m.higherIsBetter).toBe(true);
    }
  });

  for (const backend of BACKENDS) {
    it(`${backend}: grad_norm, snip and fisher match float64 JS`, async () => {
      await initBackend(backend);
      const net = buildTinyConvNet(SHAPE, 51);
      const images = randomImages(SHAPE.n, SHAPE.h, SHAPE.w, SHAPE.inC, 52);
      const labels = randomLabels(SHAPE.n, SHAPE.k, 53);
      const batch = makeBatch(images, [SHAPE.n, SHAPE.h, SHAPE.w, SHAPE.inC], labels, SHAPE.k);
      const x = Float64Array.from(images);
      const theta = await net.theta();
      const layout = tinyLayout(SHAPE);
      const loss = (t: Float64Array, mask?: Float64Array): number => crossEntropy64(net.forward64(t, x, { training: true, ...(mask ? { mask } : {}) }), labels, SHAPE.k);

      const g = centralDifferences((t) => loss(t), theta, 1e-5);
      const blocks: Array<[number, number]> = [[layout.conv, layout.gamma], [layout.linW, layout.linB]];
      const expectedGradNorm = blocks.reduce((s, [a, b]) => s + norm2(g.subarray(a, b)), 0);
      let expectedSnip = 0;
      for (const [a, b] of blocks) for (let i = a; i < b; i++) expectedSnip += Math.abs(theta[i]! * g[i]!);
      const gm = centralDifferences((m) => loss(theta, m), new Float64Array(SHAPE.n * SHAPE.c).fill(1), 1e-5);
      const expectedFisher = (0.5 * gm.reduce((s, v) => s + v * v, 0)) / SHAPE.n;

      expect(relative(await gradNorm(net, batch), expectedGradNorm)).toBeLessThan(RELATIVE);
      expect(relative(await snip(net, batch), expectedSnip)).toBeLessThan(RELATIVE);
      expect(relative(await fisher(net, batch), expectedFisher)).toBeLessThan(RELATIVE);
      for (const metric of [gradNorm, snip, fisher]) expect(await tensorsLeftBehind(() => metric(net, batch))).toBe(0);
      // The labels matter: other labels, other values.
      const other = { ...batch, labels: labels.map((l) => (l + 1) % SHAPE.k) };
      expect(await gradNorm(net, other)).not.toBe(await gradNorm(net, batch));
      expect(await fisher(net, other)).not.toBe(await fisher(net, batch));
      batch.dispose();
      net.dispose();
    });
  }
});
