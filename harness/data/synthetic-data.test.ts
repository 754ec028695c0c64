import { describe, expect, test } from 'vitest';
import { syntheticDataset, syntheticPair } from './synthetic.js';
import { classCounts } from './dataset.js';
import { datasetContentHash } from './types.js';

describe('synthetic data', () => {
  test('shape, range, balanced labels, traceable source', () => {
    const ds = syntheticDataset({ n: 103, seed: 4, height: 12, width: 10, channels: 3, numClasses: 5 });
    expect(ds).toMatchObject({ n: 103, height: 12, width: 10, channels: 3, numClasses: 5 });
    expect(ds.images.length).toBe(103 * 12 * 10 * 3);
    expect(ds.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    const counts = Array.from(classCounts(ds.labels, 5));
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(ds.source).toBe('synthetic:seed=4,part=train,n=103,12x10x3,classes=5,noise=0.15');
  });

  test('same seed → same data; another seed or part → other data', () => {
    const opts = { n: 50, seed: 9, height: 8, numClasses: 4 };
    const h = datasetContentHash(syntheticDataset(opts));
    expect(datasetContentHash(syntheticDataset(opts))).toBe(h);
    expect(datasetContentHash(syntheticDataset({ ...opts, seed: 10 }))).not.toBe(h);
    expect(datasetContentHash(syntheticDataset({ ...opts, part: 'test' }))).not.toBe(h);
  });

  test('classes are learnable: nearest class mean of train classifies test well', () => {
    const { train, test: testSet } = syntheticPair({ trainN: 200, testN: 100, seed: 1, height: 16, numClasses: 10 });
    const d = 16 * 16;
    const means = Array.from({ length: 10 }, () => new Float64Array(d));
    const counts = classCounts(train.labels, 10);
    for (let i = 0; i < train.n; i++) for (let p = 0; p < d; p++) means[train.labels[i]!]![p]! += train.images[i * d + p]! / counts[train.labels[i]!]!;
    let correct = 0;
    for (let i = 0; i < testSet.n; i++) {
      let best = -1;
      let bestDist = Infinity;
      means.forEach((m, k) => {
        let dist = 0;
        for (let p = 0; p < d; p++) dist += (testSet.images[i * d + p]! - m[p]!) ** 2;
        if (dist < bestDist) [best, bestDist] = [k, dist];
      });
      if (best === testSet.labels[i]) correct++;
    }
    expect(correct / testSet.n).toBeGreaterThan(0.9);
  });
});
