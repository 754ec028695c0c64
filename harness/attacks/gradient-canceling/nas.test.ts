/**
 * The NAS-tailored variant (θ = α of a P-DARTS supernet): ∂/∂δ ‖a + p·∇_α L(x + δ)‖² on a small
 * supernet (every op on every edge, non-affine batch norm in evaluation mode) against kink-free
 * float32 directional differences; crafting on tiny data (the cosine falls, images bounded and in
 * range, labels kept, the same poison from a cached supernet, no tensor left behind); settings
 * refusals naming their field.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../data/synthetic.js';
import { initBackend } from '../../engine/backend.js';
import { Rng } from '../../engine/rng.js';
import { concat } from '../../engine/test-utils.js';
import { isSettingsError } from '../../plugins/settings.js';
import { readAndDispose } from '../../proxies/common.js';
import { randomLabels } from '../../proxies/test-networks.js';
import { buildSupernet } from '../../space/supernet.js';
import type { ModelCache } from '../../train/model-cache.js';
import { cancelingGradients, cancelingState, disposeState, summedGradient, type PoisonChunk } from './objective.js';
import { verifyPoison } from '../provenance.js';
import { GC_NAS_DEFAULTS, GC_NAS_SMOKE_SETTINGS, gcNasDeviations, gcNasSettings, gradientCancelingNas } from './nas.js';

const RADIUS = 16 / 255;

function uniform(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

describe('gradient canceling on architecture parameters', () => {
  it('wasm: ∂J/∂δ through a supernet matches kink-free float32 directional differences', async () => {
    await initBackend('wasm');
    const supernet = buildSupernet({ channels: 2, cellsPerStage: 1, inputChannels: 1, numClasses: 3, affine: false }, new Rng(131));
    const rng = new Rng(132);
    // α away from its near-uniform initialisation, so that the mixing weights differ.
    for (const a of supernet.archParameters()) a.assign(tf.tensor1d(uniform(rng, a.size, -1, 1)));
    const alphas = supernet.archParameters();
    const n = 4;
    const images = uniform(rng, n * 64, 0.1, 0.9);
    const labels = randomLabels(n, 3, 133);
    const chunks: PoisonChunk[] = [0, 2].map((s) => ({
      x: tf.tensor4d(images.subarray(s * 64, (s + 2) * 64), [2, 8, 8, 1]),
      oneHot: tf.tidy(() => tf.oneHot(tf.tensor1d(labels.subarray(s, s + 2), 'int32'), 3).toFloat()) as tf.Tensor2D,
    }));
    const split = (d: Float32Array): tf.Tensor4D[] => [0, 2].map((s) => tf.tensor4d(d.subarray(s * 64, (s + 2) * 64), [2, 8, 8, 1]));
    const size = alphas.reduce((s, a) => s + a.size, 0);
    const a = uniform(rng, size, -0.05, 0.05);
    let at = 0;
    const cleanTerm = alphas.map((v) => {
      const t = tf.tensor(a.subarray(at, at + v.size), v.shape);
      at += v.size;
      return t;
    });
    const p = 0.4;
    const deltaValues = uniform(rng, images.length, -RADIUS, RADIUS);
    const evaluate = async (d: Float32Array): Promise<{ j: number; pattern: string }> => {
      const deltas = split(d);
      const g = concat(await Promise.all(summedGradient(supernet, alphas, chunks, deltas).map((t) => readAndDispose(t))));
      const signs = tf.tidy(() => {
        const parts: tf.Tensor[] = [];
        supernet.forward(tf.add(tf.concat(chunks.map((c) => c.x)), tf.concat(deltas)) as tf.Tensor4D, {
          training: false,
          activation: (t) => {
            parts.push(tf.reshape(tf.cast(tf.greater(t, 0), 'float32'), [-1]));
            return t;
          },
        });
        return tf.concat(parts);
      });
      tf.dispose(deltas);
      const pattern = Array.from(await readAndDispose(signs)).join('');
      let j = 0;
      for (let i = 0; i < size; i++) j += (a[i]! + (p * g[i]!) / n) ** 2;
      return { j, pattern };
    };
    const deltas = split(deltaValues);
    const state = cancelingState(supernet, alphas, chunks, deltas, cleanTerm, p, n);
    const autodiff = concat(await Promise.all(cancelingGradients(supernet, alphas, chunks, deltas, cleanTerm, state, p, n).map((g) => readAndDispose(g))));
    disposeState(state);
    tf.dispose(deltas);
    const base = await evaluate(deltaValues);
    const norm = Math.sqrt(autodiff.reduce((s, v) => s + v * v, 0));
    let checked = 0;
    for (let direction = 0; direction < 3; direction++) {
      const random = uniform(rng, images.length, -1, 1);
      const lean = [1, 0.5, 0.2][direction]!;
      const u = random.map((v, i) => (lean * Math.sqrt(random.length / 3) * autodiff[i]!) / norm + (1 - lean) * v);
      let along = 0;
      for (let i = 0; i < u.length; i++) along += autodiff[i]! * u[i]!;
      for (const eps of [3e-4, 1e-4, 3e-5]) {
        const plus = await evaluate(deltaValues.map((v, i) => v + eps * u[i]!));
        const minus = await evaluate(deltaValues.map((v, i) => v - eps * u[i]!));
        if (plus.pattern !== base.pattern || minus.pattern !== base.pattern) continue;
        // Same float32 noise floor as the NB201 check in objective.test.ts.
        expect(Math.abs((plus.j - minus.j) / (2 * eps) - along) / Math.abs(along)).toBeLessThan(1e-2);
        checked++;
        break;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
    tf.dispose([...cleanTerm, ...chunks.flatMap((c) => [c.x, c.oneHot])]);
    supernet.dispose();
  });

  it('crafts: cosine falls; bounded, in range, labels kept; the same poison from the cached supernet; no leak', async () => {
    await initBackend('wasm');
    const train = syntheticDataset({ n: 40, seed: 141, height: 8, numClasses: 3 });
    const params = gradientCancelingNas.settings!({ iterations: 8, chunkSize: 5, ascentBatchSize: 8, supernet: { channels: 2, recipe: { epochs: 2, batchSize: 8, evalBatchSize: 64 } } });
    const store = new Map<string, string>();
    const models: ModelCache = { get: (key) => store.get(key), put: (key, value) => void store.set(key, value) };
    const craft = () => gradientCancelingNas.craft(train, 0.25, { seed: 3, backend: 'wasm', params, models });
    const first = await craft();
    const d = first.diagnostics!;
    expect(first.indices.length).toBe(10);
    expect(first.labels).toBeUndefined();
    expect(d.supernetCached).toBe(false);
    expect(d.cosineAfter as number).toBeLessThan(d.cosineBefore as number);
    expect(d.objectiveAfter as number).toBeLessThan(d.objectiveBefore as number);
    expect(d.targetShift as number).toBeLessThanOrEqual(1 + 1e-5);
    expect(d.targetLoss as number).toBeGreaterThan(d.supernetLoss as number);
    first.indices.forEach((index, j) => {
      for (let q = 0; q < 64; q++) {
        const v = first.images![j * 64 + q]!;
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(Math.abs(v - train.images[index * 64 + q]!)).toBeLessThanOrEqual(RADIUS);
      }
    });
    expect(() => verifyPoison(first, train, gradientCancelingNas, params)).not.toThrow();
    const tensors = tf.memory().numTensors;
    const second = await craft();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(second.diagnostics!.supernetCached).toBe(true);
    expect(second.hash).toBe(first.hash);
  });

  it('settings: defaults, refusals naming the field, deviations', () => {
    expect(gcNasSettings(undefined)).toEqual(GC_NAS_DEFAULTS);
    expect(gradientCancelingNas.perturbationBound!(GC_NAS_DEFAULTS)).toEqual({ norm: 'linf', radius: RADIUS });
    const refused = (block: unknown): string[] => {
      try {
        gcNasSettings(block);
      } catch (error) {
        if (isSettingsError(error)) return error.issues.map((i) => i.path);
        throw error;
      }
      return [];
    };
    expect(refused({ epsilon: 0 })).toContain('/epsilon');
    expect(refused({ linfRadius: 2 })).toContain('/linfRadius');
    expect(refused({ iterations: 0 })).toContain('/iterations');
    expect(refused({ victim: {} })).toContain('/victim');
    expect(refused({ epsilonReference: 5 })).toContain('/epsilonReference');
    expect(refused({ supernet: { channels: 0 } })).toContain('/supernet/channels');
    expect(refused({ supernet: { recipe: { learningRate: 0.01, minLearningRate: 0.1 } } })).toContain('/supernet/recipe/minLearningRate');
    expect(gcNasDeviations(gcNasSettings({ iterations: 3 }))).toContain('3 Adam iterations instead of 100');
    expect(gcNasSettings(GC_NAS_SMOKE_SETTINGS)).toEqual({ ...GC_NAS_DEFAULTS, iterations: 2 });
  });
});
