import { describe, expect, test } from 'vitest';
import { resizeDataset } from './resize.js';
import { createImageDataset } from './dataset.js';
import { syntheticDataset } from './synthetic.js';
import { Rng } from '../engine/rng.js';
import type { ImageDataset } from './types.js';

function image(size: number, values: number[], channels = 1, n = 1): ImageDataset {
  return createImageDataset({
    name: 'img',
    images: Float32Array.from(values),
    labels: new Int32Array(n),
    height: size,
    width: size,
    channels,
    numClasses: 1,
    source: 'test',
  });
}

const close = (got: Float32Array, want: number[]): void => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
};

describe('resizeDataset', () => {
  test('4×4 → 2×2 averages 2×2 blocks', () => {
    const ds = image(4, Array.from({ length: 16 }, (_, i) => i / 16));
    const out = resizeDataset(ds, 2);
    close(out.images, [2.5 / 16, 4.5 / 16, 10.5 / 16, 12.5 / 16]);
    expect(out).toMatchObject({ name: 'img@2x2', height: 2, width: 2, channels: 1, n: 1 });
    expect(out.source).toBe('test | resized 4x4→2x2 (area averaging)');
  });

  test('3×3 → 2×2 weights fractional overlaps (1 and ½ of a pixel)', () => {
    const [a, b, c] = [0.1, 0.7, 0.4];
    const out = resizeDataset(image(3, [a, b, c, a, b, c, a, b, c]), 2);
    const left = (a + 0.5 * b) / 1.5;
    const right = (0.5 * b + c) / 1.5;
    close(out.images, [left, right, left, right]);
  });

  test('2×2 → 4×4 is bilinear with half-pixel centres, edges clamped', () => {
    const out = resizeDataset(image(2, [0, 0.4, 0.8, 1]), 4);
    expect(out.source).toContain('(bilinear)');
    // Sample positions along each axis: 0, 0.25, 0.75, 1 (clamped at the ends).
    const pos = [0, 0.25, 0.75, 1];
    const want: number[] = [];
    for (const y of pos) for (const x of pos) want.push((1 - y) * ((1 - x) * 0 + x * 0.4) + y * ((1 - x) * 0.8 + x * 1));
    close(out.images, want);
    expect(out.images[5]).toBeCloseTo(0.2875, 6);
  });

  test('28 → 14 equals exact 2×2 means; 28 → 16 keeps constants and the image mean', () => {
    const ds = syntheticDataset({ n: 3, seed: 5, height: 28, channels: 1, numClasses: 3 });
    const half = resizeDataset(ds, 14);
    for (let i = 0; i < 3; i++)
      for (const [y, x] of [[0, 0], [6, 9], [13, 13]] as const) {
        const at = (yy: number, xx: number): number => ds.images[i * 784 + yy * 28 + xx]!;
        const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        expect(half.images[i * 196 + y * 14 + x]).toBeCloseTo(mean, 6);
      }
    const sixteen = resizeDataset(ds, 16);
    expect(sixteen.images.length).toBe(3 * 256);
    for (let i = 0; i < 3; i++) {
      const m0 = ds.images.subarray(i * 784, (i + 1) * 784).reduce((s, v) => s + v, 0) / 784;
      const m1 = sixteen.images.subarray(i * 256, (i + 1) * 256).reduce((s, v) => s + v, 0) / 256;
      expect(m1).toBeCloseTo(m0, 5);
    }
    const flat = resizeDataset(image(28, new Array(784).fill(0.3)), 16);
    flat.images.forEach((v) => expect(v).toBeCloseTo(0.3, 6));
    expect(Array.from(sixteen.labels)).toEqual(Array.from(ds.labels));
  });

  test('channels are resized independently (NHWC kept)', () => {
    const rng = new Rng(3);
    const rgb = image(6, Array.from({ length: 2 * 6 * 6 * 3 }, () => rng.uniform()), 3, 2);
    const out = resizeDataset(rgb, 4);
    for (let c = 0; c < 3; c++) {
      const plane = image(6, Array.from({ length: 2 * 36 }, (_, k) => rgb.images[k * 3 + c]!), 1, 2);
      const want = resizeDataset(plane, 4).images;
      want.forEach((w, k) => expect(out.images[k * 3 + c]).toBeCloseTo(w, 6));
    }
  });

  test('same size returns the dataset itself; a bad size is refused', () => {
    const ds = image(2, [0, 1, 0, 1]);
    expect(resizeDataset(ds, 2)).toBe(ds);
    expect(() => resizeDataset(ds, 0)).toThrow(RangeError);
  });
});
