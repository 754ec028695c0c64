import { afterAll, describe, expect, test } from 'vitest';
import { loadCifarFiles, readCifarFiles } from './cifar.js';
import { CIFAR100_COARSE_CLASS_NAMES, CIFAR100_FINE_CLASS_NAMES, CIFAR10_CLASS_NAMES } from './class-names.js';
import { cifarBytes, cifarPixel, tempDir, writeBytes } from './test-files.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Checks every pixel: NHWC value at (i, y, x, c) equals plane c's byte at (y, x) of record i. */
function expectNhwc(images: Float32Array, n: number): void {
  expect(images.length).toBe(n * 32 * 32 * 3);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++)
        for (let c = 0; c < 3; c++) {
          const got = images[((i * 32 + y) * 32 + x) * 3 + c]!;
          if (Math.abs(got - cifarPixel(i, c, y, x) / 255) > 1e-7) throw new Error(`pixel (${i},${y},${x},${c}) = ${got * 255}, want ${cifarPixel(i, c, y, x)}`);
        }
}

describe('CIFAR binary loaders', () => {
  test('CIFAR-10: labels and CHW planes become NHWC exactly', () => {
    const path = writeBytes(dir, 'data_batch_1.bin', cifarBytes([[3], [0], [9]]));
    const ds = loadCifarFiles([path], 'cifar10', { variant: 'cifar10' });
    expect(ds).toMatchObject({ n: 3, height: 32, width: 32, channels: 3, numClasses: 10, source: path });
    expect(Array.from(ds.labels)).toEqual([3, 0, 9]);
    expect(ds.classNames).toBe(CIFAR10_CLASS_NAMES);
    // Hand-checked corner: record 1, pixel (y=0, x=1) → R = 7+3 = 10, G = 7+101+3 = 111, B = 7+202+3 = 212.
    expect(Array.from(ds.images.subarray((1 * 1024 + 1) * 3, (1 * 1024 + 1) * 3 + 3), (v) => Math.round(v * 255))).toEqual([10, 111, 212]);
    expectNhwc(ds.images, 3);
  });

  test('CIFAR-10: several batch files are concatenated in order', () => {
    const a = writeBytes(dir, 'a.bin', cifarBytes([[1], [2]]));
    const b = writeBytes(dir, 'b.bin', cifarBytes([[7]], 2), true);
    const ds = loadCifarFiles([a, b], 'cifar10', { variant: 'cifar10' });
    expect(Array.from(ds.labels)).toEqual([1, 2, 7]);
    expectNhwc(ds.images, 3);
  });

  test('CIFAR-100: fine labels by default, coarse on request, same pixels', () => {
    const path = writeBytes(dir, 'train.bin', cifarBytes([[4, 55], [19, 99], [0, 0]]));
    const fine = readCifarFiles([path], { variant: 'cifar100' });
    expect(Array.from(fine.labels)).toEqual([55, 99, 0]);
    expect(fine.numClasses).toBe(100);
    expect(fine.classNames).toBe(CIFAR100_FINE_CLASS_NAMES);
    expectNhwc(fine.images, 3);
    const coarse = loadCifarFiles([path], 'cifar100', { variant: 'cifar100', label: 'coarse' });
    expect(Array.from(coarse.labels)).toEqual([4, 19, 0]);
    expect(coarse.numClasses).toBe(20);
    expect(coarse.classNames).toBe(CIFAR100_COARSE_CLASS_NAMES);
    expect(coarse.images).toEqual(fine.images);
  });
});
