import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadDataset, FASHION_MNIST_FIXTURE_DIR, SYSTEM_FASHION_MNIST_DIR, IDX_FILE_NAMES } from './load.js';
import { classCounts } from './dataset.js';
import { readIdxImages, readIdxLabels } from './idx.js';
import { FASHION_MNIST_CLASS_NAMES } from './class-names.js';

interface Manifest {
  counts: { train: number; test: number };
  licence: { spdx: string };
  selection: { seed: number; indicesFile: string; indicesFileSha256: string };
  files: Array<{ name: string; bytes: number; sha256: string; contentSha256: string; count: number }>;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const manifest = JSON.parse(readFileSync(join(FASHION_MNIST_FIXTURE_DIR, 'manifest.json'), 'utf8')) as Manifest;
const indices = JSON.parse(readFileSync(join(FASHION_MNIST_FIXTURE_DIR, 'indices.json'), 'utf8')) as { train: number[]; test: number[] };

describe('the committed Fashion-MNIST fixture', () => {
  const pair = loadDataset({ name: 'fashion-mnist', fixtureOnly: true });

  test('loads with 5,000 train / 1,000 test images of 28×28×1, 10 balanced classes', () => {
    expect(pair.train).toMatchObject({ name: 'fashion-mnist', n: 5000, height: 28, width: 28, channels: 1, numClasses: 10 });
    expect(pair.test).toMatchObject({ n: 1000, height: 28, width: 28, channels: 1, numClasses: 10 });
    expect(Array.from(classCounts(pair.train.labels, 10))).toEqual(new Array(10).fill(500));
    expect(Array.from(classCounts(pair.test.labels, 10))).toEqual(new Array(10).fill(100));
    expect(pair.train.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    expect(pair.train.source).toBe('fixture:fixtures/fashion-mnist/train-images-idx3-ubyte.gz + train-labels-idx1-ubyte.gz');
    expect(pair.test.source).toBe('fixture:fixtures/fashion-mnist/t10k-images-idx3-ubyte.gz + t10k-labels-idx1-ubyte.gz');
    // Real images, not blanks: clothing covers a good part of each 28×28 frame.
    const mean = pair.train.images.reduce((s, v) => s + v, 0) / pair.train.images.length;
    expect(mean).toBeGreaterThan(0.2);
    expect(mean).toBeLessThan(0.4);
  });

  test('manifest hashes and sizes match the files', () => {
    expect(manifest.counts).toEqual({ train: 5000, test: 1000 });
    expect(manifest.licence.spdx).toBe('MIT');
    expect(manifest.files.map((f) => f.name).sort()).toEqual(Object.values(IDX_FILE_NAMES).map((b) => `${b}.gz`).sort());
    for (const f of manifest.files) {
      const bytes = readFileSync(join(FASHION_MNIST_FIXTURE_DIR, f.name));
      expect(bytes.length, f.name).toBe(f.bytes);
      expect(sha256(bytes), f.name).toBe(f.sha256);
      expect(sha256(gunzipSync(bytes)), f.name).toBe(f.contentSha256);
    }
    expect(sha256(readFileSync(join(FASHION_MNIST_FIXTURE_DIR, manifest.selection.indicesFile)))).toBe(manifest.selection.indicesFileSha256);
    expect(indices.train).toHaveLength(5000);
    expect(indices.test).toHaveLength(1000);
    expect(existsSync(join(FASHION_MNIST_FIXTURE_DIR, 'LICENSE'))).toBe(true);
  });

  test.skipIf(!existsSync(join(SYSTEM_FASHION_MNIST_DIR, `${IDX_FILE_NAMES.testImages}.gz`)))(
    'its test images are the official ones at the recorded indices',
    () => {
      const official = readIdxImages(join(SYSTEM_FASHION_MNIST_DIR, `${IDX_FILE_NAMES.testImages}.gz`));
      const officialLabels = readIdxLabels(join(SYSTEM_FASHION_MNIST_DIR, `${IDX_FILE_NAMES.testLabels}.gz`));
      const fixture = readIdxImages(join(FASHION_MNIST_FIXTURE_DIR, `${IDX_FILE_NAMES.testImages}.gz`));
      indices.test.forEach((src, k) => {
        expect(pair.test.labels[k]).toBe(officialLabels[src]);
        const a = fixture.pixels.subarray(k * 784, (k + 1) * 784);
        const b = official.pixels.subarray(src * 784, (src + 1) * 784);
        if (!a.every((v, i) => v === b[i])) throw new Error(`fixture test image ${k} differs from official image ${src}`);
      });
    },
  );
});
