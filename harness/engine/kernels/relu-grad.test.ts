/**
 * The one-launch ReLU gradient of the wasm backend (NaspoisonReluGrad, used by the Relu gradient in
 * gradients.ts when the backward pass is not recorded) against tfjs's formula dy·step(x) on cpu:
 * several shapes, exact zeros and NaN inputs, no leaked buffers, and tf.grad through relu on both
 * backends.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FLOAT32_TOLERANCE, onBackend, randomNormal, relativeError, sizeOf, testRng, values, wasmBufferCount } from '../test-utils.js';
import { RELU_GRAD } from './relu-grad.js';

const SHAPES: number[][] = [[7], [3, 5], [2, 4, 4, 3], [64, 16, 16, 8], [5, 3, 3, 32]];

describe('NaspoisonReluGrad on wasm equals dy·step(x) on cpu', () => {
  const rng = testRng('relu-grad');
  const data = SHAPES.map((shape) => {
    const x = randomNormal(rng, sizeOf(shape));
    // Exact zeros (step(0) = 0) and a NaN (step(NaN) = NaN) among the inputs.
    x[0] = 0;
    if (x.length > 3) x[3] = Number.NaN;
    return { shape, x, dy: randomNormal(rng, sizeOf(shape)) };
  });

  it.each(SHAPES.map((s, i) => [s.join('×'), i] as const))('%s', async (_name, i) => {
    const { shape, x, dy } = data[i]!;
    const cpu = await onBackend('cpu', () => values(tf.mul(tf.tensor(dy, shape), tf.cast(tf.step(tf.tensor(x, shape)), 'float32'))));
    const wasm = await onBackend('wasm', () => {
      const before = wasmBufferCount();
      const xs = tf.tensor(x, shape);
      const dys = tf.tensor(dy, shape);
      const out = tf.engine().runKernel(RELU_GRAD, { dy: dys, x: xs }) as tf.Tensor;
      expect(out.shape).toEqual(shape);
      const v = values(out);
      tf.dispose([xs, dys, out]);
      expect(wasmBufferCount()).toBe(before);
      return v;
    });
    // Bitwise the same values (Step and Multiply either way), NaN where x is NaN.
    expect(Array.from(wasm).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(Array.from(cpu).map((v) => (Number.isNaN(v) ? 'NaN' : v)));
  });

  it('tf.grad through relu (first order: the fused kernel on wasm) agrees with cpu', async () => {
    const shape = [4, 6, 6, 8];
    const x = randomNormal(rng, sizeOf(shape));
    const r = randomNormal(rng, sizeOf(shape));
    const run = (): Float32Array => values(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.mul(a, 1.5)), tf.tensor(r, shape))))(tf.tensor(x, shape)));
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(relativeError(wasm, cpu)).toBeLessThan(FLOAT32_TOLERANCE);
  });
});
