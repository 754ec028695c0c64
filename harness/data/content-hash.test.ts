import { describe, expect, test } from 'vitest';
import { datasetContentHash } from './types.js';
import { createImageDataset } from './dataset.js';

const make = (labels: number[], name = 'a', pixels = [0, 0.5, 1, 0.25]) =>
  createImageDataset({ name, images: Float32Array.from(pixels), labels: Int32Array.from(labels), height: 1, width: 2, channels: 1, numClasses: 3, source: name });

describe('datasetContentHash', () => {
  test('depends on pixels, labels and shape, not on name or source', () => {
    const h = datasetContentHash(make([0, 1]));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetContentHash(make([0, 1], 'other name'))).toBe(h);
    expect(datasetContentHash(make([0, 2]))).not.toBe(h);
    expect(datasetContentHash(make([0, 1], 'a', [0, 0.5, 1, 0.26]))).not.toBe(h);
    const reshaped = createImageDataset({ name: 'a', images: Float32Array.from([0, 0.5, 1, 0.25]), labels: Int32Array.from([0, 1]), height: 2, width: 1, channels: 1, numClasses: 3, source: 'a' });
    expect(datasetContentHash(reshaped)).not.toBe(h);
  });

  test('is cached per dataset object', () => {
    const ds = make([1, 1]);
    const first = datasetContentHash(ds);
    ds.images[0] = 0.9; // datasets are immutable by convention: the cached hash is returned
    expect(datasetContentHash(ds)).toBe(first);
  });
});
