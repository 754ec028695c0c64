import { afterAll, describe, expect, test } from 'vitest';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from './idx-write.js';
import { loadIdxPair, readIdxImages, readIdxLabels } from './idx.js';
import { DataFileError } from './errors.js';
import { tempDir, writeBytes } from './test-files.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const goodImages = encodeIdx([4, 3, 3], new Uint8Array(36).fill(7));
const goodLabels = encodeIdx([4], Uint8Array.of(0, 1, 2, 3));

/** Runs fn and returns the DataFileError it throws (fails the test otherwise). */
function dataError(fn: () => unknown): DataFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataFileError);
    return err as DataFileError;
  }
  throw new Error('expected a DataFileError, nothing was thrown');
}

describe('bad IDX files give a DataFileError naming the file and the problem', () => {
  test('truncated data: expected vs actual byte count', () => {
    const path = writeBytes(dir, 'truncated-images', goodImages.subarray(0, goodImages.length - 5));
    const err = dataError(() => readIdxImages(path));
    expect(err.file).toBe(path);
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/truncated/);
    expect(err.message).toContain(`expected ${goodImages.length} bytes`);
    expect(err.message).toContain(`got ${goodImages.length - 5}`);
  });

  test('truncated gzip-compressed file reports the uncompressed sizes', () => {
    const path = writeBytes(dir, 'truncated-images.gz', goodImages.subarray(0, 30), true);
    const err = dataError(() => readIdxImages(path));
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/truncated.*expected 52 bytes.*got 30/);
  });

  test('truncated header', () => {
    const path = writeBytes(dir, 'short-header', goodImages.subarray(0, 9));
    expect(dataError(() => readIdxImages(path)).message).toMatch(/truncated file: expected at least 16 header bytes, got 9/);
  });

  test('wrong magic number, printed in hex with the expected one', () => {
    const path = writeBytes(dir, 'labels-as-images', goodLabels);
    const err = dataError(() => readIdxImages(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain('wrong magic number 0x00000801');
    expect(err.message).toContain('expected 0x00000803');
    const junk = writeBytes(dir, 'junk', new TextEncoder().encode('hello, not idx'));
    expect(dataError(() => readIdxLabels(junk)).message).toMatch(/wrong magic number 0x68656c6c .*expected 0x00000801/);
  });

  test('mismatched image and label counts name both files', () => {
    const img = writeBytes(dir, 'four-images', goodImages);
    const lab = writeBytes(dir, 'three-labels', encodeIdx([3], Uint8Array.of(0, 1, 2)));
    const err = dataError(() => loadIdxPair(img, lab, 'x'));
    expect(err.message).toContain(lab);
    expect(err.message).toContain(img);
    expect(err.message).toMatch(/3 labels .* 4 images/);
  });

  test('a label ≥ numClasses', () => {
    const img = writeBytes(dir, 'imgs', goodImages);
    const lab = writeBytes(dir, 'labels-with-12', encodeIdx([4], Uint8Array.of(0, 1, 12, 3)));
    const err = dataError(() => loadIdxPair(img, lab, 'x'));
    expect(err.message).toContain(lab);
    expect(err.message).toMatch(/label 12 at index 2 is out of range.*\[0, 10\)/);
    expect(dataError(() => loadIdxPair(img, writeBytes(dir, 'labels-3', encodeIdx([4], Uint8Array.of(0, 1, 2, 3))), 'x', { numClasses: 3 })).message).toMatch(/label 3 at index 3/);
  });

  test('corrupt gzip', () => {
    const bad = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3);
    const path = writeBytes(dir, 'corrupt.gz', bad);
    const err = dataError(() => readIdxImages(path));
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/corrupt gzip/);
    const cut = writeBytes(dir, 'cut.gz', gzipSync(goodImages).subarray(0, 20));
    expect(dataError(() => readIdxImages(cut)).message).toMatch(/^.*cut\.gz: corrupt gzip data .*unexpected end of file/);
  });

  test('empty file, trailing bytes and a missing file', () => {
    const empty = writeBytes(dir, 'empty', new Uint8Array(0));
    expect(dataError(() => readIdxLabels(empty)).message).toBe(`${empty}: empty file (0 bytes); expected an IDX file`);
    const long = new Uint8Array(goodLabels.length + 2);
    long.set(goodLabels);
    const trailing = writeBytes(dir, 'trailing', long);
    expect(dataError(() => readIdxLabels(trailing)).message).toMatch(/2 unexpected trailing bytes/);
    const missing = `${dir}/does-not-exist`;
    expect(dataError(() => readIdxLabels(missing)).message).toBe(`${missing}: file not found`);
  });
});
