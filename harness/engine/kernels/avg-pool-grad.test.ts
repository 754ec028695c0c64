/**
 * AvgPoolGrad on wasm (three algorithms) and cpu against a float64 reference: the exact adjoint of
 * an average pool that excludes padding from each window's count. That is what tfjs's own forward
 * AvgPool computes on both backends (checked here too), so it is the true gradient. tfjs's built-in
 * AvgPoolGrad kernels divide by k² even for windows that overlap the padding, so for padded pools
 * the reference is not the stock cpu kernel: naspoison registers a corrected one for cpu as well.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  FLOAT32_TOLERANCE,
  avgPoolRef,
  gradOf,
  onBackend,
  poolGeometryOf,
  randomNormal,
  relativeError,
  sizeOf,
  testRng,
  values,
  wasmBufferCount,
} from '../test-utils.js';
import { avgPoolGradPath } from './avg-pool-grad.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
  path: 'depthwise-conv' | 'upsample' | 'scatter';
}

const CASES: Case[] = [
  { name: '3×3 s1 same (NB201 avg_pool_3x3)', x: [4, 8, 8, 4], filter: 3, strides: 1, pad: 'same', path: 'depthwise-conv' },
  { name: '3×3 s1 same, odd non-square input', x: [2, 7, 5, 3], filter: 3, strides: 1, pad: 'same', path: 'depthwise-conv' },
  { name: '3×3 s1 same, window wider than a 2×2 input', x: [3, 2, 2, 2], filter: 3, strides: 1, pad: 'same', path: 'depthwise-conv' },
  { name: '2×2 s1 same (padding after only)', x: [2, 6, 6, 2], filter: 2, strides: 1, pad: 'same', path: 'depthwise-conv' },
  { name: '2×2 s2 valid (NB201 reduction shortcut)', x: [4, 8, 8, 4], filter: 2, strides: 2, pad: 'valid', path: 'upsample' },
  { name: '2×2 s2 valid, 16×16, 12 channels', x: [2, 16, 16, 12], filter: 2, strides: 2, pad: 'valid', path: 'upsample' },
  { name: '4×4 s4 valid (power-of-two upsample in wasm)', x: [2, 8, 8, 3], filter: 4, strides: 4, pad: 'valid', path: 'upsample' },
  { name: '3×3 s3 valid (upsample in JS: not a power of two)', x: [2, 9, 9, 5], filter: 3, strides: 3, pad: 'valid', path: 'upsample' },
  { name: '2×2 s2 valid, odd size (last row unread)', x: [2, 7, 7, 3], filter: 2, strides: 2, pad: 'valid', path: 'scatter' },
  { name: '3×3 s2 same (padded, overlapping)', x: [2, 8, 8, 3], filter: 3, strides: 2, pad: 'same', path: 'scatter' },
  { name: '3×3 s2 same, odd size', x: [2, 9, 9, 2], filter: 3, strides: 2, pad: 'same', path: 'scatter' },
  { name: '3×3 s2 valid', x: [1, 9, 9, 2], filter: 3, strides: 2, pad: 'valid', path: 'scatter' },
  { name: '2×3 strides [1, 2] same', x: [2, 6, 7, 2], filter: [2, 3], strides: [1, 2], pad: 'same', path: 'scatter' },
  { name: 'global 5×5 pool, stride 1 (channelMean)', x: [3, 5, 5, 4], filter: [5, 5], strides: 1, pad: 'valid', path: 'scatter' },
];

function poolGrad(c: Case, x: Float32Array, dy: Float32Array): Float32Array {
  const g = poolGeometryOf(c.x, c.filter, c.strides, c.pad);
  const dyT = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
  const xT = tf.tensor4d(x, c.x);
  const dx = tf.engine().runKernel('AvgPoolGrad', { dy: dyT, input: xT }, { filterSize: c.filter, strides: c.strides, pad: c.pad }) as tf.Tensor;
  expect(dx.shape).toEqual(c.x);
  return values(dx);
}

describe('AvgPoolGrad is the adjoint of the count-excluding average pool', () => {
  const rng = testRng('avg-pool-grad');
  const data = CASES.map((c) => {
    const g = poolGeometryOf(c.x, c.filter, c.strides, c.pad);
    return { g, x: randomNormal(rng, sizeOf(c.x)), dy: randomNormal(rng, g.batch * g.outH * g.outW * g.outC) };
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s: wasm and cpu match the float64 reference', async (_name, i) => {
    const c = CASES[i]!;
    const { g, x, dy } = data[i]!;
    const info = tf.backend_util.computePool2DInfo(c.x, c.filter, c.strides, 1, c.pad);
    expect(avgPoolGradPath(info)).toBe(c.path);
    const ref = avgPoolRef(g);
    const expected = ref.adjoint(dy);
    for (const backend of ['wasm', 'cpu'] as const) {
      const { dx, forward, leaked } = await onBackend(backend, () => {
        const before = backend === 'wasm' ? wasmBufferCount() : 0;
        const dx = tf.tidy(() => poolGrad(c, x, dy));
        const leaked = backend === 'wasm' ? wasmBufferCount() - before : 0;
        const forward = values(tf.avgPool(tf.tensor4d(x, c.x), c.filter, c.strides, c.pad));
        return { dx, forward, leaked };
      });
      expect(leaked, `${backend}: buffers left on the wasm heap`).toBe(0);
      // The backend's own forward pass excludes padding from the count ...
      expect(relativeError(forward, ref.forward(x)), `${backend}: forward`).toBeLessThan(FLOAT32_TOLERANCE);
      // ... so its gradient must be the adjoint of exactly that map.
      expect(relativeError(dx, expected), `${backend}: gradient`).toBeLessThan(FLOAT32_TOLERANCE);
    }
  });

  it('corner of a 3×3 same pool by hand: dx = dy₀₀/4 + dy₀₁/6 + dy₁₀/6 + dy₁₁/9', async () => {
    const dy = Float32Array.from({ length: 16 }, (_, i) => 1 + i);
    const c: Case = { name: 'hand', x: [1, 4, 4, 1], filter: 3, strides: 1, pad: 'same', path: 'depthwise-conv' };
    const x = randomNormal(rng, 16);
    const expected = 1 / 4 + 2 / 6 + 5 / 6 + 6 / 9;
    for (const backend of ['wasm', 'cpu'] as const) {
      const dx = await onBackend(backend, () => poolGrad(c, x, dy));
      expect(dx[0]).toBeCloseTo(expected, 5);
    }
  });

  it('tf.grad through avgPool (3×3 s1 same and 2×2 s2 valid) gives the same gradient on both backends', async () => {
    const x = randomNormal(rng, 4 * 8 * 8 * 3);
    const r = randomNormal(rng, 4 * 4 * 4 * 3);
    const run = (): Float32Array =>
      values(
        gradOf((t: tf.Tensor4D) => tf.sum(tf.mul(tf.avgPool(tf.avgPool(t, 3, 1, 'same'), 2, 2, 'valid'), tf.tensor4d(r, [4, 4, 4, 3]))))(
          tf.tensor4d(x, [4, 8, 8, 3]),
        ),
      );
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    const g1 = poolGeometryOf([4, 8, 8, 3], 3, 1, 'same');
    const g2 = poolGeometryOf([4, 8, 8, 3], 2, 2, 'valid');
    const expected = avgPoolRef(g1).adjoint(avgPoolRef(g2).adjoint(r));
    expect(relativeError(cpu, expected)).toBeLessThan(FLOAT32_TOLERANCE);
    expect(relativeError(wasm, expected)).toBeLessThan(FLOAT32_TOLERANCE);
  });
});
