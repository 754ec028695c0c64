/**
 * batchNormLayer: its closed-form custom backward against tfjs autodiff of a plain-ops reference
 * (moments → normalise → scale/shift) for x, γ and β; second-order derivatives through it; eval mode
 * with running statistics (PyTorch momentum convention, unbiased variance) checked by hand; the
 * running statistics written back from the host copies on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { channelMean, batchNormLayer, ParamStore } from './nn.js';
import { Rng } from './rng.js';
import {
  FINITE_DIFFERENCE_TOLERANCE,
  FLOAT32_TOLERANCE,
  centralDifferences,
  concat,
  gradOf,
  onBackend,
  randomNormal,
  relativeError,
  sizeOf,
  testRng,
  values,
} from './test-utils.js';

const EPSILON = 1e-5;
const BACKENDS = ['wasm', 'cpu'] as const;

/** A batch-norm layer with γ, β set to given values; returns the layer and its variables. */
function makeLayer(channels: number, gamma: Float32Array, beta: Float32Array, momentum?: number) {
  const store = new ParamStore(new Rng(7));
  const layer = batchNormLayer(store, channels, momentum === undefined ? {} : { momentum });
  const [g, b] = store.weights as [tf.Variable, tf.Variable];
  const [runningMean, runningVar] = store.state as [tf.Variable, tf.Variable];
  g.assign(tf.tensor1d(gamma));
  b.assign(tf.tensor1d(beta));
  return { store, layer, gamma: g, beta: b, runningMean, runningVar };
}

/** Training-mode batch norm from plain ops, differentiated by tfjs's own gradients. */
function plainBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPSILON))), gamma), beta);
}

describe('batchNormLayer training mode', () => {
  const rng = testRng('batch-norm');
  const shapes: Array<[number, number, number, number]> = [
    [4, 5, 5, 3],
    [8, 2, 2, 6],
    [6, 1, 1, 4],
    [2, 7, 3, 1],
  ];
  const cases = shapes.map((shape) => {
    const C = shape[3];
    return {
      shape,
      x: randomNormal(rng, sizeOf(shape), 2),
      r: randomNormal(rng, sizeOf(shape)),
      gamma: Float32Array.from(randomNormal(rng, C, 0.5), (v) => 1 + v),
      beta: randomNormal(rng, C),
    };
  });

  it.each(BACKENDS)('%s: forward and custom backward for x, γ, β equal autodiff of the plain-ops reference', async (backend) => {
    await onBackend(backend, () => {
      for (const c of cases) {
        const { store, layer, gamma, beta } = makeLayer(c.shape[3], c.gamma, c.beta);
        const x = tf.tensor4d(c.x, c.shape);
        const r = tf.tensor4d(c.r, c.shape);
        const custom = tf.variableGrads(() => tf.sum(tf.mul(layer(x, { training: true }), r)) as tf.Scalar, [gamma, beta]);
        const customDx = gradOf((t: tf.Tensor4D) => tf.sum(tf.mul(layer(t, { training: true }), r)))(x);
        const customY = layer(x, { training: true });
        const g0 = tf.tensor1d(c.gamma);
        const b0 = tf.tensor1d(c.beta);
        const [dx, dg, db] = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
          tf.sum(tf.mul(plainBatchNorm(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D), r)),
        )([x, g0, b0]);
        const label = `${backend} ${c.shape.join('×')}`;
        expect(relativeError(values(customY), values(plainBatchNorm(x, g0, b0))), `${label}: y`).toBeLessThan(FLOAT32_TOLERANCE);
        expect(relativeError(values(customDx), values(dx!)), `${label}: dx`).toBeLessThan(FLOAT32_TOLERANCE);
        expect(relativeError(values(custom.grads[gamma.name]!), values(dg!)), `${label}: dγ`).toBeLessThan(FLOAT32_TOLERANCE);
        expect(relativeError(values(custom.grads[beta.name]!), values(db!)), `${label}: dβ`).toBeLessThan(FLOAT32_TOLERANCE);
        store.dispose();
      }
    });
  });

  it('gives the same results on wasm and cpu', async () => {
    const run = (): Float32Array[] => {
      const c = cases[0]!;
      const { store, layer, gamma, beta } = makeLayer(c.shape[3], c.gamma, c.beta);
      const x = tf.tensor4d(c.x, c.shape);
      const r = tf.tensor4d(c.r, c.shape);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer(x, { training: true }), r)) as tf.Scalar, [gamma, beta]);
      const dx = gradOf((t: tf.Tensor4D) => tf.sum(tf.mul(layer(t, { training: true }), r)))(x);
      const out = [values(dx), values(grads[gamma.name]!), values(grads[beta.name]!)];
      store.dispose();
      return out;
    };
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(relativeError(concat(wasm), concat(cpu))).toBeLessThan(FLOAT32_TOLERANCE);
  });

  it('channelMean equals the mean over N, H, W', async () => {
    for (const backend of BACKENDS) {
      await onBackend(backend, () => {
        for (const c of cases) {
          const x = tf.tensor4d(c.x, c.shape);
          expect(relativeError(values(channelMean(x)), values(tf.mean(x, [0, 1, 2])))).toBeLessThan(FLOAT32_TOLERANCE);
        }
      });
    }
  });
});

describe('second-order derivatives through batchNormLayer', () => {
  const rng = testRng('batch-norm-second-order');
  const shape: [number, number, number, number] = [3, 2, 2, 2];
  const C = shape[3];
  const count = sizeOf(shape) / C;
  const x = randomNormal(rng, sizeOf(shape), 1.5);
  const r = randomNormal(rng, sizeOf(shape));
  const gamma = Float32Array.from([1.3, 0.7]);
  const beta = Float32Array.from([0.4, -0.2]);

  /**
   * Float64 reference of q(γ, β) = ‖∂L/∂x‖² for L = Σ r ⊙ y², y = BN(x; γ, β): the closed-form
   * batch-norm input gradient dx = γ·inv·(dy − mean(dy) − x̂·mean(dy·x̂)) with dy = 2 r ⊙ y.
   */
  function q(theta: Float64Array): number {
    let total = 0;
    for (let c = 0; c < C; c++) {
      const idx = Array.from({ length: count }, (_, i) => i * C + c);
      const mean = idx.reduce((s, i) => s + x[i]!, 0) / count;
      const variance = idx.reduce((s, i) => s + (x[i]! - mean) ** 2, 0) / count;
      const inv = 1 / Math.sqrt(variance + EPSILON);
      const xhat = idx.map((i) => (x[i]! - mean) * inv);
      const dy = idx.map((i, k) => 2 * r[i]! * (theta[c]! * xhat[k]! + theta[C + c]!));
      const meanDy = dy.reduce((s, v) => s + v, 0) / count;
      const meanDyX = dy.reduce((s, v, k) => s + v * xhat[k]!, 0) / count;
      for (let k = 0; k < count; k++) total += (theta[c]! * inv * (dy[k]! - meanDy - xhat[k]! * meanDyX)) ** 2;
    }
    return total;
  }

  it.each(BACKENDS)('%s: d‖∇ₓL‖²/d(γ, β) matches finite differences, and d‖∇_γL‖²/dx the plain-ops reference', async (backend) => {
    const fd = centralDifferences(q, concat([gamma, beta]), 1e-3);
    const result = await onBackend(backend, () => {
      const { store, layer, gamma: g, beta: b } = makeLayer(C, gamma, beta);
      const xT = tf.tensor4d(x, shape);
      const rT = tf.tensor4d(r, shape);
      const loss = (t: tf.Tensor4D, f: (t: tf.Tensor4D) => tf.Tensor4D): tf.Scalar => tf.sum(tf.mul(rT, tf.square(f(t))));
      const bn = (t: tf.Tensor4D): tf.Tensor4D => layer(t, { training: true });
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(gradOf((t: tf.Tensor4D) => loss(t, bn))(xT))) as tf.Scalar, [g, b]);
      const customTheta = concat([values(grads[g.name]!), values(grads[b.name]!)]);
      // Differentiating w.r.t. x a quantity built from ∂L/∂γ exercises the dependence of the saved
      // statistics on x, which only the recomputed second-order path carries.
      const customX = values(
        gradOf((t: tf.Tensor4D) => tf.sum(tf.square(tf.variableGrads(() => loss(t, bn), [g]).grads[g.name]!)))(xT),
      );
      const g0 = tf.tensor1d(gamma);
      const b0 = tf.tensor1d(beta);
      const plainX = values(
        gradOf((t: tf.Tensor4D) => tf.sum(tf.square(gradOf((gg: tf.Tensor1D) => loss(t, (u) => plainBatchNorm(u, gg, b0)))(g0))))(xT),
      );
      store.dispose();
      return { customTheta, customX, plainX };
    });
    expect(relativeError(result.customTheta, fd)).toBeLessThan(FINITE_DIFFERENCE_TOLERANCE);
    expect(relativeError(result.customX, result.plainX)).toBeLessThan(FINITE_DIFFERENCE_TOLERANCE);
  });
});

describe('batchNormLayer evaluation mode and running statistics', () => {
  // Channel 0 holds 1, 3, 5, 7: mean 4, biased variance 5, unbiased 20/3.
  // Channel 1 holds −2, 0, 2, 8: mean 2, biased variance 14, unbiased 56/3.
  const x = Float32Array.from([1, -2, 3, 0, 5, 2, 7, 8]);
  const shape: [number, number, number, number] = [2, 1, 2, 2];
  const gamma = Float32Array.from([2, 0.5]);
  const beta = Float32Array.from([1, -1]);
  const probe = Float32Array.from([1, 2]);

  it.each(BACKENDS)('%s: training normalises with batch statistics (biased variance)', async (backend) => {
    const y = await onBackend(backend, () => {
      const { store, layer } = makeLayer(2, gamma, beta);
      const out = values(layer(tf.tensor4d(x, shape), { training: true }));
      store.dispose();
      return out;
    });
    // 2·(1 − 4)/√5 + 1 = −1.683279; 0.5·(−2 − 2)/√14 − 1 = −1.534522; …
    const expected = [-1.6832789, -1.5345223, 0.1055737, -1.2672612, 1.8944263, -1, 3.6832789, -0.1982166];
    expected.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
  });

  it.each(BACKENDS)('%s: eval uses running statistics: new = 0.9·old + 0.1·batch, variance unbiased', async (backend) => {
    const out = await onBackend(backend, () => {
      const { store, layer, runningMean, runningVar } = makeLayer(2, gamma, beta);
      const xT = tf.tensor4d(x, shape);
      const probeT = tf.tensor4d(probe, [1, 1, 1, 2]);
      layer(xT, { training: true });
      const eval1 = values(layer(probeT, { training: false }));
      const stats1 = [values(runningMean), values(runningVar)];
      layer(xT, { training: true });
      const eval2 = values(layer(probeT, { training: false }));
      const stats2 = [values(runningMean), values(runningVar)];
      // Evaluating twice without training in between gives the same output.
      const eval2Again = values(layer(probeT, { training: false }));
      store.dispose();
      return { eval1, stats1, eval2, stats2, eval2Again };
    });
    // After one step from (mean 0, var 1): mean 0.1·[4, 2] = [0.4, 0.2];
    // var 0.9 + 0.1·[20/3, 56/3] = [1.5666667, 2.7666667].
    expect(out.stats1[0]![0]).toBeCloseTo(0.4, 6);
    expect(out.stats1[0]![1]).toBeCloseTo(0.2, 6);
    expect(out.stats1[1]![0]).toBeCloseTo(1.5666667, 6);
    expect(out.stats1[1]![1]).toBeCloseTo(2.7666667, 6);
    // 2·(1 − 0.4)/√(1.5666667 + 1e-5) + 1 = 1.9587195; 0.5·(2 − 0.2)/√(2.7666667 + 1e-5) − 1 = −0.4589177.
    expect(out.eval1[0]).toBeCloseTo(1.9587195, 5);
    expect(out.eval1[1]).toBeCloseTo(-0.4589177, 5);
    // Second step: mean 0.9·0.4 + 0.4 = 0.76, 0.9·0.2 + 0.2 = 0.38;
    // var 0.9·1.5666667 + 2/3 = 2.0766667, 0.9·2.7666667 + 28/15 = 4.3566667.
    expect(out.stats2[0]![0]).toBeCloseTo(0.76, 6);
    expect(out.stats2[0]![1]).toBeCloseTo(0.38, 6);
    expect(out.stats2[1]![0]).toBeCloseTo(2.0766667, 5);
    expect(out.stats2[1]![1]).toBeCloseTo(4.3566667, 5);
    // 2·(1 − 0.76)/√2.0766767 + 1 = 1.3330863; 0.5·(2 − 0.38)/√4.3566767 − 1 = −0.6119324.
    expect(out.eval2[0]).toBeCloseTo(1.3330863, 5);
    expect(out.eval2[1]).toBeCloseTo(-0.6119324, 5);
    expect(Array.from(out.eval2Again)).toEqual(Array.from(out.eval2));
  });

  it.each(BACKENDS)('%s: momentum option follows the PyTorch convention (0.3 → 0.7·old + 0.3·batch)', async (backend) => {
    const stats = await onBackend(backend, () => {
      const { store, layer, runningMean, runningVar } = makeLayer(2, gamma, beta, 0.3);
      layer(tf.tensor4d(x, shape), { training: true });
      layer(tf.tensor4d(probe, [1, 1, 1, 2]), { training: false });
      const out = [values(runningMean), values(runningVar)];
      store.dispose();
      return out;
    });
    // mean 0.3·[4, 2] = [1.2, 0.6]; var 0.7 + 0.3·[20/3, 56/3] = [2.7, 6.3].
    expect(Array.from(stats[0]!)).toEqual([expect.closeTo(1.2, 6), expect.closeTo(0.6, 6)]);
    expect(Array.from(stats[1]!)).toEqual([expect.closeTo(2.7, 5), expect.closeTo(6.3, 5)]);
  });
});
