import { afterAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { encodeIdx, writeIdxFile } from './idx-write.js';
import { loadIdxPair, readIdxImages, readIdxLabels } from './idx.js';
import { isGzip } from './file-bytes.js';
import { tempDir, writeBytes } from './test-files.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

// 3 images of 2×4 with distinct, hand-checkable bytes, labels 2, 0, 9.
const pixels = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
const labels = Uint8Array.of(2, 0, 9);

describe('IDX round trip', () => {
  test.each([
    ['raw', false],
    ['gzip', true],
  ])('%s files written in the MNIST layout load back exactly', (kind, gzip) => {
    const img = `${dir}/${kind}-images`;
    const lab = `${dir}/${kind}-labels`;
    writeIdxFile(img, [3, 2, 4], pixels, gzip);
    writeIdxFile(lab, [3], labels, gzip);
    expect(isGzip(readFileSync(img))).toBe(gzip);
    const ds = loadIdxPair(img, lab, 'tiny');
    expect(ds).toMatchObject({ name: 'tiny', n: 3, height: 2, width: 4, channels: 1, numClasses: 10 });
    expect(Array.from(ds.labels)).toEqual([2, 0, 9]);
    expect(ds.images.length).toBe(24);
    ds.images.forEach((v, i) => expect(v).toBeCloseTo(pixels[i]! / 255, 7));
    expect(ds.source).toBe(`${img} + ${lab}`);
  });

  test('the header is big-endian with magic 0x00000803 / 0x00000801', () => {
    const bytes = encodeIdx([3, 2, 4], pixels);
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4]);
    expect(Array.from(encodeIdx([3], labels).subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0, 3]);
  });

  test('gzip is detected from the 1f 8b magic, not from the file name', () => {
    const gzNoSuffix = writeBytes(dir, 'compressed-but-named-plain', encodeIdx([3, 2, 4], pixels), true);
    const plainWithGz = writeBytes(dir, 'plain-but-named.gz', encodeIdx([3], labels), false);
    expect(readIdxImages(gzNoSuffix).pixels).toEqual(pixels);
    expect(readIdxLabels(plainWithGz)).toEqual(labels);
  });

  test('class names and numClasses are carried into the dataset', () => {
    const img = writeBytes(dir, 'cn-images', encodeIdx([3, 2, 4], pixels));
    const lab = writeBytes(dir, 'cn-labels', encodeIdx([3], Uint8Array.of(0, 1, 2)));
    const ds = loadIdxPair(img, lab, 'three', { classNames: ['a', 'b', 'c'] });
    expect(ds.numClasses).toBe(3);
    expect(ds.classNames).toEqual(['a', 'b', 'c']);
  });
});
