/**
 * Conv2DBackpropInput on wasm (naspoison's kernel: forward conv of the stride-dilated dy with the
 * rotated filter) against the cpu backend on fresh random inputs: kernels 1, 3, 5 and 1×3, strides
 * 1 and 2, 'same', 'valid' and explicit padding, including padding wider than the kernel reaches.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLOAT32_TOLERANCE,
  geometryOf,
  onBackend,
  randomNormal,
  relativeError,
  sizeOf,
  testRng,
  values,
  wasmBufferCount,
  type Padding,
} from '../test-utils.js';

const P1: Padding = [[0, 0], [1, 1], [1, 1], [0, 0]];

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Padding;
}

const CASES: Case[] = [
  { name: '1×1 s1 valid', x: [2, 5, 5, 3], filter: [1, 1, 3, 4], strides: 1, pad: 'valid' },
  { name: '1×1 s2 valid, even size', x: [2, 8, 8, 3], filter: [1, 1, 3, 2], strides: 2, pad: 'valid' },
  { name: '1×1 s2 valid, odd size', x: [1, 9, 9, 2], filter: [1, 1, 2, 5], strides: 2, pad: 'valid' },
  { name: '1×1 s1 explicit 1 (padding beyond the kernel)', x: [2, 6, 6, 2], filter: [1, 1, 2, 3], strides: 1, pad: P1 },
  { name: '1×1 s2 explicit 1 (padding beyond the kernel)', x: [2, 7, 8, 2], filter: [1, 1, 2, 3], strides: 2, pad: P1 },
  { name: '3×3 s1 same', x: [3, 7, 7, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'same' },
  { name: '3×3 s1 valid', x: [2, 9, 9, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'valid' },
  { name: '3×3 s1 explicit 1', x: [2, 6, 6, 3], filter: [3, 3, 3, 3], strides: 1, pad: P1 },
  { name: '3×3 s2 same, odd size', x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '3×3 s2 same, even size', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '3×3 s2 valid, even size (last row unread)', x: [2, 8, 8, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { name: '3×3 s2 explicit 1 (NB201 reduction), batch 8', x: [8, 16, 16, 8], filter: [3, 3, 8, 8], strides: 2, pad: P1 },
  { name: '3×3 s2 explicit 1, odd size', x: [2, 7, 7, 2], filter: [3, 3, 2, 4], strides: 2, pad: P1 },
  { name: '5×5 s1 same', x: [2, 11, 11, 6], filter: [5, 5, 6, 8], strides: 1, pad: 'same' },
  { name: '5×5 s2 valid', x: [2, 12, 12, 4], filter: [5, 5, 4, 3], strides: 2, pad: 'valid' },
  { name: '5×5 s2 same, odd size', x: [1, 13, 13, 2], filter: [5, 5, 2, 2], strides: 2, pad: 'same' },
  { name: '5×5 s1 explicit 1', x: [2, 10, 10, 3], filter: [5, 5, 3, 4], strides: 1, pad: P1 },
  { name: '5×5 s2 explicit 1', x: [2, 10, 10, 2], filter: [5, 5, 2, 3], strides: 2, pad: P1 },
  { name: '3×3 s1 same, 17×17, 12 channels', x: [1, 17, 17, 12], filter: [3, 3, 12, 12], strides: 1, pad: 'same' },
  { name: '1×3 s1 same, non-square input', x: [3, 7, 10, 3], filter: [1, 3, 3, 2], strides: 1, pad: 'same' },
  { name: '1×3 strides [2, 1] valid', x: [2, 9, 8, 2], filter: [1, 3, 2, 3], strides: [2, 1], pad: 'valid' },
  { name: '3×3 s2 asymmetric explicit padding', x: [2, 6, 9, 2], filter: [3, 3, 2, 2], strides: 2, pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
  { name: '3×3 s1 explicit 3 (padding beyond the kernel, asymmetric)', x: [1, 5, 6, 2], filter: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [3, 0], [0, 3], [0, 0]] },
];

interface Inputs {
  filter: Float32Array;
  dy: Float32Array;
  dyShape: number[];
}

function runBackpropInput(c: Case, inputs: Inputs): Float32Array {
  const filter = tf.tensor4d(inputs.filter, c.filter);
  const dy = tf.tensor(inputs.dy, inputs.dyShape);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: c.x };
  const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  expect(dx.shape).toEqual(c.x);
  return values(dx);
}

describe('Conv2DBackpropInput on wasm matches the cpu backend', () => {
  const rng = testRng('conv2d-backprop-input');
  const inputs = CASES.map((c): Inputs => {
    const g = geometryOf(c.x, c.filter, c.strides, c.pad);
    const dyShape = [g.batch, g.outH, g.outW, g.outC];
    return { filter: randomNormal(rng, sizeOf(c.filter)), dy: randomNormal(rng, sizeOf(dyShape)), dyShape };
  });
  let reference: Float32Array[] = [];

  beforeAll(async () => {
    reference = await onBackend('cpu', () => CASES.map((c, i) => runBackpropInput(c, inputs[i]!)));
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', async (_name, i) => {
    const c = CASES[i]!;
    const { result, leaked } = await onBackend('wasm', () => {
      const before = wasmBufferCount();
      const out = tf.tidy(() => runBackpropInput(c, inputs[i]!));
      return { result: out, leaked: wasmBufferCount() - before };
    });
    expect(leaked, 'buffers left on the wasm heap').toBe(0);
    expect(relativeError(result, reference[i]!)).toBeLessThan(FLOAT32_TOLERANCE);
  });
});
