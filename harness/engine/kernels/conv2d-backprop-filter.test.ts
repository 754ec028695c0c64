/**
 * Conv2DBackpropFilter on wasm (naspoison's kernel, both algorithms) against the cpu backend on
 * fresh random inputs: odd and even sizes, batch 1–8, channels 1–12, kernels 1, 3, 5 and 1×3,
 * strides 1 and 2, 'same', 'valid' and explicit (PyTorch-style and asymmetric) padding.
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
import { CONV2D_BACKPROP_FILTER_FLIPPED, FLIPPED_FILTER, backpropFilterPath, flippedConvFits } from './conv2d-backprop-filter.js';

const P1: Padding = [[0, 0], [1, 1], [1, 1], [0, 0]];

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Padding;
  /** The algorithm the kernel must pick without forcing (asserted when given). */
  path?: 'swapped-conv' | 'flipped-conv' | 'im2col';
}

const CASES: Case[] = [
  { name: '1×1 s1 valid, 1 channel', x: [1, 5, 5, 1], filter: [1, 1, 1, 1], strides: 1, pad: 'valid', path: 'swapped-conv' },
  { name: '3×3 s1 same', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', path: 'flipped-conv' },
  { name: '3×3 s2 same, odd size (pad 1/1)', x: [3, 9, 9, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'same', path: 'swapped-conv' },
  { name: '3×3 s2 same, even size (pad 0/1)', x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same', path: 'swapped-conv' },
  { name: '3×3 s2 valid, even size (last row unread)', x: [2, 8, 8, 3], filter: [3, 3, 3, 6], strides: 2, pad: 'valid', path: 'im2col' },
  { name: '3×3 s2 valid, odd size', x: [1, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid', path: 'swapped-conv' },
  { name: '3×3 s2 explicit 1, even size (NB201 reduction)', x: [4, 6, 6, 5], filter: [3, 3, 5, 5], strides: 2, pad: P1, path: 'swapped-conv' },
  { name: '3×3 s2 explicit 1, odd size', x: [2, 7, 7, 2], filter: [3, 3, 2, 4], strides: 2, pad: P1, path: 'swapped-conv' },
  { name: '3×3 s1 explicit 1', x: [2, 5, 5, 3], filter: [3, 3, 3, 3], strides: 1, pad: P1, path: 'swapped-conv' },
  { name: '5×5 s1 same', x: [3, 11, 11, 6], filter: [5, 5, 6, 8], strides: 1, pad: 'same', path: 'flipped-conv' },
  { name: '5×5 s2 valid (last row unread)', x: [2, 12, 12, 4], filter: [5, 5, 4, 3], strides: 2, pad: 'valid', path: 'im2col' },
  { name: '5×5 s2 same, odd size', x: [1, 13, 13, 2], filter: [5, 5, 2, 2], strides: 2, pad: 'same', path: 'swapped-conv' },
  { name: '5×5 s1 explicit 1', x: [2, 10, 10, 3], filter: [5, 5, 3, 4], strides: 1, pad: P1, path: 'swapped-conv' },
  { name: '5×5 s2 explicit 1, even size (bottom padding unread)', x: [2, 10, 10, 2], filter: [5, 5, 2, 3], strides: 2, pad: P1, path: 'swapped-conv' },
  { name: '3×3 s2 explicit 0/0 top/bottom, even size (last row unread)', x: [1, 8, 6, 3], filter: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [0, 0], [1, 1], [0, 0]], path: 'im2col' },
  { name: '3×3 s1 same, 17×17, 12 channels', x: [1, 17, 17, 12], filter: [3, 3, 12, 12], strides: 1, pad: 'same', path: 'swapped-conv' },
  { name: '3×3 s2 explicit 1, batch 8, 16×16', x: [8, 16, 16, 8], filter: [3, 3, 8, 8], strides: 2, pad: P1, path: 'swapped-conv' },
  { name: '1×1 s1 valid, batch 8', x: [8, 16, 16, 8], filter: [1, 1, 8, 12], strides: 1, pad: 'valid', path: 'flipped-conv' },
  { name: '1×1 s2 valid, odd size', x: [2, 9, 9, 3], filter: [1, 1, 3, 2], strides: 2, pad: 'valid', path: 'swapped-conv' },
  { name: '1×1 s2 valid, even size (last row unread)', x: [2, 8, 8, 3], filter: [1, 1, 3, 2], strides: 2, pad: 'valid', path: 'im2col' },
  { name: '1×1 s1 explicit 1 (PyTorch padding=1)', x: [2, 7, 7, 2], filter: [1, 1, 2, 3], strides: 1, pad: P1, path: 'swapped-conv' },
  { name: '1×3 s1 same, non-square input', x: [3, 7, 10, 3], filter: [1, 3, 3, 2], strides: 1, pad: 'same', path: 'swapped-conv' },
  { name: '1×3 strides [2, 1] valid', x: [2, 9, 8, 2], filter: [1, 3, 2, 3], strides: [2, 1], pad: 'valid', path: 'swapped-conv' },
  { name: '3×3 s2 asymmetric explicit padding', x: [2, 6, 9, 2], filter: [3, 3, 2, 2], strides: 2, pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
  { name: '3×3 s1 same, 1 → 12 channels', x: [2, 6, 6, 1], filter: [3, 3, 1, 12], strides: 1, pad: 'same' },
  { name: '3×3 s1 same, 12 → 1 channels', x: [2, 6, 6, 12], filter: [3, 3, 12, 1], strides: 1, pad: 'same' },
  { name: '3×3 s1 valid, 2 → 5 channels', x: [2, 8, 8, 2], filter: [3, 3, 2, 5], strides: 1, pad: 'valid', path: 'flipped-conv' },
  { name: '2×2 s1 same (padding after only), 2 → 6 channels', x: [2, 6, 6, 2], filter: [2, 2, 2, 6], strides: 1, pad: 'same', path: 'flipped-conv' },
  // H_out·W_out·N = 1024: the swapped/flipped conv runs on N + 1 images (one of zeros).
  { name: '3×3 s1 same, batch 64, 4×4, 8 channels (padded batch)', x: [64, 4, 4, 8], filter: [3, 3, 8, 8], strides: 1, pad: 'same', path: 'swapped-conv' },
  { name: '3×3 s1 same, batch 64, 4×4, 1 → 8 channels (stem, padded batch)', x: [64, 4, 4, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same', path: 'flipped-conv' },
  { name: '1×1 s1 valid, batch 64, 4×4, 4 → 8 channels (padded batch)', x: [64, 4, 4, 4], filter: [1, 1, 4, 8], strides: 1, pad: 'valid', path: 'flipped-conv' },
  { name: '3×3 s2 explicit 1, batch 64, 8×8 → 4×4 (padded batch)', x: [64, 8, 8, 4], filter: [3, 3, 4, 8], strides: 2, pad: P1, path: 'swapped-conv' },
];

interface Inputs {
  x: Float32Array;
  dy: Float32Array;
  dyShape: number[];
}

function runBackpropFilter(c: Case, inputs: Inputs, forceIm2col: boolean): Float32Array {
  const x = tf.tensor4d(inputs.x, c.x);
  const dy = tf.tensor(inputs.dy, inputs.dyShape);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: c.filter, forceIm2col };
  const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  expect(dW.shape).toEqual(c.filter);
  return values(dW);
}

describe('Conv2DBackpropFilter on wasm matches the cpu backend', () => {
  const rng = testRng('conv2d-backprop-filter');
  const inputs = CASES.map((c): Inputs => {
    const g = geometryOf(c.x, c.filter, c.strides, c.pad);
    const dyShape = [g.batch, g.outH, g.outW, g.outC];
    return { x: randomNormal(rng, sizeOf(c.x)), dy: randomNormal(rng, sizeOf(dyShape)), dyShape };
  });
  let reference: Float32Array[] = [];
  let swapped: Float32Array[] = [];
  let im2col: Float32Array[] = [];

  beforeAll(async () => {
    reference = await onBackend('cpu', () => CASES.map((c, i) => runBackpropFilter(c, inputs[i]!, false)));
    const wasm = await onBackend('wasm', () => {
      const buffersBefore = wasmBufferCount();
      const result = [CASES.map((c, i) => runBackpropFilter(c, inputs[i]!, false)), CASES.map((c, i) => runBackpropFilter(c, inputs[i]!, true))];
      tf.engine().endScope();
      tf.engine().startScope();
      // Every intermediate the kernel allocated was released (only the inputs/outputs of the
      // scope above held buffers, and they are gone now).
      expect(wasmBufferCount()).toBe(buffersBefore);
      return result;
    });
    swapped = wasm[0]!;
    im2col = wasm[1]!;
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s: default algorithm and forced im2col agree with cpu', (_name, i) => {
    const c = CASES[i]!;
    const path = backpropFilterPath(geometryOf(c.x, c.filter, c.strides, c.pad));
    if (c.path !== undefined) expect(path).toBe(c.path);
    expect(relativeError(swapped[i]!, reference[i]!)).toBeLessThan(FLOAT32_TOLERANCE);
    expect(relativeError(im2col[i]!, reference[i]!)).toBeLessThan(FLOAT32_TOLERANCE);
  });

  it('covers the three algorithms without forcing', () => {
    const paths = new Set(CASES.map((c) => backpropFilterPath(geometryOf(c.x, c.filter, c.strides, c.pad))));
    expect([...paths].sort()).toEqual(['flipped-conv', 'im2col', 'swapped-conv']);
  });
});

describe('conv2d gradients through tf.grad on wasm match cpu', () => {
  const picked = ['3×3 s2 same, odd size (pad 1/1)', '3×3 s2 valid, even size (last row unread)', '3×3 s2 explicit 1, even size (NB201 reduction)', '1×3 s1 same, non-square input', '1×1 s1 explicit 1 (PyTorch padding=1)'];
  const cases: Case[] = picked.map((name) => CASES.find((c) => c.name === name)!);
  const rng = testRng('conv2d-grad');
  const data = cases.map((c) => {
    const g = geometryOf(c.x, c.filter, c.strides, c.pad);
    return { x: randomNormal(rng, sizeOf(c.x)), w: randomNormal(rng, sizeOf(c.filter)), r: randomNormal(rng, g.batch * g.outH * g.outW * g.outC), g };
  });
  const run = (): Float32Array[][] =>
    cases.map((c, i) => {
      const d = data[i]!;
      const x = tf.tensor4d(d.x, c.x);
      const w = tf.tensor4d(d.w, c.filter);
      const r = tf.tensor4d(d.r, [d.g.batch, d.g.outH, d.g.outW, d.g.outC]);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad as 'same'), r)))([x, w]);
      return [values(dx!), values(dw!)];
    });

  it('dx and dW agree for strided, valid, explicit and non-square cases', async () => {
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    cases.forEach((c, i) => {
      expect(relativeError(wasm[i]![0]!, cpu[i]![0]!), `${c.name}: dx`).toBeLessThan(FLOAT32_TOLERANCE);
      expect(relativeError(wasm[i]![1]!, cpu[i]![1]!), `${c.name}: dW`).toBeLessThan(FLOAT32_TOLERANCE);
    });
  });
});

describe('dW from a shared prepared input (NaspoisonFlippedFilter + NaspoisonConv2DBackpropFilterFlipped) matches cpu', () => {
  const cases = CASES.filter((c) => flippedConvFits(geometryOf(c.x, c.filter, c.strides, c.pad)));
  const rng = testRng('conv2d-backprop-filter-shared');
  const data = cases.map((c) => {
    const g = geometryOf(c.x, c.filter, c.strides, c.pad);
    const dyShape = [g.batch, g.outH, g.outW, g.outC];
    // Two layers reading the same x: two different dy.
    return { x: randomNormal(rng, sizeOf(c.x)), dys: [randomNormal(rng, sizeOf(dyShape)), randomNormal(rng, sizeOf(dyShape))], dyShape };
  });

  it('covers stride-1 geometries of every padding kind', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s: both layers, the second on the cached operator', async (_name, i) => {
    const c = cases[i]!;
    const d = data[i]!;
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: c.filter };
    const reference = await onBackend('cpu', () =>
      d.dys.map((dy) => values(tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(d.x, c.x), dy: tf.tensor(dy, d.dyShape) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor)),
    );
    const shared = await onBackend('wasm', () => {
      const before = wasmBufferCount();
      const x = tf.tensor4d(d.x, c.x);
      const xT = tf.engine().runKernel(FLIPPED_FILTER, { x }) as tf.Tensor;
      const out = d.dys.map((dy) => {
        const dyT = tf.tensor(dy, d.dyShape);
        const dW = tf.engine().runKernel(CONV2D_BACKPROP_FILTER_FLIPPED, { xT, dy: dyT }, { ...attrs, inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor;
        expect(dW.shape).toEqual(c.filter);
        const v = values(dW);
        tf.dispose([dyT, dW]);
        return v;
      });
      tf.dispose([x, xT]);
      expect(wasmBufferCount()).toBe(before);
      return out;
    });
    shared.forEach((v, k) => expect(relativeError(v, reference[k]!), `layer ${k}`).toBeLessThan(FLOAT32_TOLERANCE));
  });
});
