/**
 * Every metric on a real NB201 network (buildNetwork, C = 4, one cell per stage, 8×8×1 images):
 * finite, deterministic for a seed, leaves weights and running statistics bit-identical, frees
 * every tensor; label-free metrics never read the labels and give bit-identical values under
 * permuted and flipped labels.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { fisherMetric } from './fisher.js';
import { gradNormMetric } from './grad-norm.js';
import { graspMetric } from './grasp.js';
import { jacovMetric } from './jacov.js';
import { linearRegionsMetric } from './linear-regions.js';
import { ntkMetric } from './ntk.js';
import { snipMetric } from './snip.js';
import { synflowMetric } from './synflow.js';
import { buildTestNb201, makeBatch, randomImages, randomLabels, unlabelledBatch, variableValues } from './test-networks.js';
import type { ProxyBatch, TrainingFreeMetric } from './types.js';

const METRICS: TrainingFreeMetric[] = [ntkMetric, linearRegionsMetric, gradNormMetric, snipMetric, graspMetric, fisherMetric, synflowMetric, jacovMetric];
const BACKENDS = ['wasm', 'cpu'] as const;
/** The expensive metrics (N backward passes; second order) run here on wasm only: their float64 tests cover cpu. */
const WASM_ONLY = new Set(['ntk', 'grasp']);
const N = 8;
const CLASSES = 5;

for (const backend of BACKENDS) {
  const metrics = METRICS.filter((m) => backend === 'wasm' || !WASM_ONLY.has(m.name));
  describe(`${backend}: metrics on an NB201 network`, () => {
    let batch: ProxyBatch & { dispose(): void };
    beforeAll(async () => {
      await initBackend(backend);
      batch = makeBatch(randomImages(N, 8, 8, 1, 31), [N, 8, 8, 1], randomLabels(N, CLASSES, 32), CLASSES);
    });
    afterAll(() => batch.dispose());

    it.each(metrics.map((m) => [m.name, m] as const))('%s: finite, deterministic, leaves the network as it was, frees its tensors', async (_name, metric) => {
      const a = buildTestNb201(4, 1, CLASSES, 41);
      const b = buildTestNb201(4, 1, CLASSES, 41);
      // The first call fills the engine's per-backend caches (kept constants: channelMean's
      // averaging row, device scalars); the call measured afterwards must free all it creates.
      const first = await metric.compute(b, batch);
      const before = await variableValues(a);
      const tensors = tf.memory().numTensors;
      const value = await metric.compute(a, batch);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(Number.isFinite(value)).toBe(true);
      expect(await variableValues(a)).toEqual(before);
      // Same seed, another network object: the same value, bit for bit; and again on the first.
      expect(value).toBe(first);
      expect(await metric.compute(a, batch)).toBe(value);
      a.dispose();
      b.dispose();
    });

    it.each(metrics.filter((m) => !m.usesLabels).map((m) => [m.name, m] as const))('%s: never reads labels; bit-identical under permuted and flipped labels', async (_name, metric) => {
      const net = buildTestNb201(4, 1, CLASSES, 42);
      const value = await metric.compute(net, unlabelledBatch(batch));
      const permuted: ProxyBatch = { ...batch, labels: Int32Array.from(batch.labels).reverse() };
      const flipped: ProxyBatch = { ...batch, labels: batch.labels.map((l) => (l + 1) % CLASSES) };
      expect(await metric.compute(net, permuted)).toBe(value);
      expect(await metric.compute(net, flipped)).toBe(value);
      expect(await metric.compute(net, batch)).toBe(value);
      net.dispose();
    });
  });
}

describe('a network whose output does not depend on its input (no path through the cell)', () => {
  it('gives the documented values instead of throwing: 0 for the gradient metrics, NaN for jacov and ntk', async () => {
    await initBackend('wasm');
    const net = buildTestNb201(4, 1, CLASSES, 43, '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|');
    const batch = makeBatch(randomImages(6, 8, 8, 1, 44), [6, 8, 8, 1], randomLabels(6, CLASSES, 45), CLASSES);
    // One after another: metrics change a network's state while they run (see index.ts).
    const values: Record<string, number> = {};
    for (const m of METRICS) values[m.name] = await m.compute(net, batch);
    expect(values).toEqual({ grad_norm: 0, snip: 0, grasp: 0, fisher: 0, synflow: 0, jacov: Number.NaN, ntk: Number.NaN, linear_regions: 6 });
    batch.dispose();
    net.dispose();
  });
});
