/**
 * Crafting the gradient-canceling poison on tiny synthetic data (40 images 8×8, 3 classes, a C = 4
 * victim trained six epochs, 8 Adam iterations over chunks of 4, 4 and 2 points): the cosine between
 * the clean and the poison gradient falls, and so does the objective; exactly round(p·n) ascending
 * indices; images inside the L∞ ball and [0, 1], labels untouched (no `labels`); the GradPC shift
 * within the radius (ε = 1 scaled to the victim's size); the artifact applies; the same seed gives
 * the same poison (the same hash, every byte and every diagnostic but the crafting time) and leaves
 * no tensor behind. With a wide ball (0.5) and half the set poisoned, the cosine turns negative: the
 * attack drives it towards −1 as far as the ball allows.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../data/synthetic.js';
import { initBackend } from '../../engine/backend.js';
import { RESNET_CELL } from '../../train/surrogate.js';
import { applyPoison, poisonCount } from '../poison.js';
import { verifyPoison } from '../provenance.js';
import type { PoisonArtifact } from '../types.js';
import { gradientCanceling } from './index.js';

const train = syntheticDataset({ n: 40, seed: 21, height: 8, numClasses: 3 });
const RADIUS = 16 / 255;
const params = gradientCanceling.settings!({
  iterations: 8,
  chunkSize: 4,
  cleanGradientSamples: 20,
  ascentBatchSize: 8,
  victim: { genotype: RESNET_CELL, channels: 4, cellsPerStage: 1, recipe: { epochs: 6, batchSize: 8, evalBatchSize: 64 } },
});

async function craft(seed: number): Promise<PoisonArtifact> {
  return gradientCanceling.craft(train, 0.25, { seed, backend: 'wasm', params });
}

describe('gradient canceling: crafting', () => {
  it('cancels: cosine and objective fall; bounded, in range, labels kept, exact count, deterministic, no leak', async () => {
    await initBackend('wasm');
    const first = await craft(7);
    const d = first.diagnostics!;
    const k = poisonCount(0.25, train.n);
    expect(k).toBe(10);
    expect(first.indices.length).toBe(k);
    for (let i = 1; i < k; i++) expect(first.indices[i]).toBeGreaterThan(first.indices[i - 1]!);
    expect(first.labels).toBeUndefined();
    expect(first.images!.length).toBe(k * 64);
    expect(gradientCanceling.perturbationBound!(params)).toEqual({ norm: 'linf', radius: RADIUS });

    let changed = 0;
    let maxLinf = 0;
    first.indices.forEach((index, j) => {
      for (let q = 0; q < 64; q++) {
        const v = first.images![j * 64 + q]!;
        const x = train.images[index * 64 + q]!;
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        maxLinf = Math.max(maxLinf, Math.abs(v - x));
        if (v !== x) changed++;
      }
    });
    expect(maxLinf).toBeLessThanOrEqual(RADIUS);
    expect(d.maxLinf).toBe(maxLinf);
    expect(changed).toBeGreaterThan(0);

    expect(d.cosineBefore as number).toBeGreaterThan(d.cosineAfter as number);
    expect(d.objectiveBefore as number).toBeGreaterThan(d.objectiveAfter as number);
    // The default radius: ε = 1 scaled to the victim's size, √(P / 11,173,962).
    expect(d.targetRadius as number).toBeCloseTo(Math.sqrt((d.victimParameters as number) / 11_173_962), 12);
    expect(d.targetShift as number).toBeLessThanOrEqual((d.targetRadius as number) * (1 + 1e-5));
    expect(d.targetLoss as number).toBeGreaterThan(d.victimLoss as number);
    expect(d.iterations).toBe(8);
    expect(d.cleanGradientSamples).toBe(20);
    expect(d.victimCached).toBe(false);

    // The provenance verifier accepts it (kind, L∞ ball, range, labels kept).
    expect(() => verifyPoison(first, train, gradientCanceling, params)).not.toThrow();
    const poisoned = applyPoison(train, first);
    expect(poisoned.labels).toEqual(train.labels);

    const tensors = tf.memory().numTensors;
    const second = await craft(7);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(second.hash).toBe(first.hash);
    expect(second.indices).toEqual(first.indices);
    expect(second.images).toEqual(first.images);
    const { craftMs: _a, ...firstRest } = first.diagnostics!;
    const { craftMs: _b, ...secondRest } = second.diagnostics!;
    expect(secondRest).toEqual(firstRest);

    const other = await craft(8);
    expect(other.indices).not.toEqual(first.indices);
  });

  it('with a wide ball and half the set poisoned, the poison gradient turns against the clean one (cos < −0.5)', async () => {
    await initBackend('wasm');
    const wide = gradientCanceling.settings!({ ...params, linfRadius: 0.5, iterations: 20, chunkSize: 10 });
    const artifact = await gradientCanceling.craft(train, 0.5, { seed: 7, backend: 'wasm', params: wide });
    const d = artifact.diagnostics!;
    // Measured: cos 0.958 → −0.672, objective 76.3 → 16.0 (at 16/255 the same run ends at cos 0.854).
    expect(d.cosineBefore as number).toBeGreaterThan(0.5);
    expect(d.cosineAfter as number).toBeLessThan(-0.5);
    expect(d.objectiveAfter as number).toBeLessThan((d.objectiveBefore as number) / 2);
    expect(d.maxLinf as number).toBeLessThanOrEqual(0.5);
  });
});
