/**
 * GradPC: one epoch of normalised gradient ascent from θ₀, projected onto ‖θ − θ₀‖₂ ≤ ε. When the
 * steps add up to more than ε the shift ends on the sphere (the projection acted); when they add
 * up to less it stays inside, at most steps·η, and equals the unprojected ascent. The training loss rises, batch-norm running
 * statistics are left as they were, and no tensor is left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../data/synthetic.js';
import { initBackend } from '../../engine/backend.js';
import { buildTestNb201, variableValues } from '../../proxies/test-networks.js';
import { gradPcAscent, meanLoss } from './gradpc.js';

const data = syntheticDataset({ n: 48, seed: 5, height: 8, numClasses: 3 });

describe('GradPC target', () => {
  it('ends on the ε-sphere when the ascent outruns ε, and the loss rises', async () => {
    await initBackend('wasm');
    const net = buildTestNb201(4, 1, 3, 11);
    const state = (await variableValues(net)).slice(net.params.weights.length);
    const before = await meanLoss(net, data, 16);
    // 6 steps of 0.3 against ε = 0.5.
    const result = await gradPcAscent(net, data, { epsilon: 0.5, stepSize: 0.3, batchSize: 8, seed: 12 });
    expect(result.steps).toBe(6);
    expect(result.targetShift).toBeLessThanOrEqual(0.5 * (1 + 1e-5));
    expect(result.targetShift).toBeGreaterThan(0.5 * (1 - 1e-5));
    const after = await meanLoss(net, data, 16);
    expect(after).toBeGreaterThan(before);
    expect((await variableValues(net)).slice(net.params.weights.length)).toEqual(state);
    net.dispose();
  });

  it('stays inside the ball when the steps add up to less than ε; same seed, same target; no leak', async () => {
    await initBackend('wasm');
    const run = async (epsilon = 0.5): Promise<{ shift: number; weights: Float32Array[] }> => {
      const net = buildTestNb201(4, 1, 3, 11);
      const result = await gradPcAscent(net, data, { epsilon, stepSize: 0.01, batchSize: 8, seed: 12 });
      const values = await variableValues(net);
      net.dispose();
      return { shift: result.targetShift, weights: values };
    };
    const first = await run();
    // At most the path length 6·0.01 < ε, and exactly the unprojected ascent (ε out of reach).
    expect(first.shift).toBeGreaterThan(0);
    expect(first.shift).toBeLessThanOrEqual(0.06 * (1 + 1e-5));
    expect((await run(1e6)).weights).toEqual(first.weights);
    const tensors = tf.memory().numTensors;
    const second = await run();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(second.weights).toEqual(first.weights);
  });
});
