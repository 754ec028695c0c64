import { afterAll, describe, expect, test } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, IDX_FILE_NAMES } from './load.js';
import { encodeIdx } from './idx-write.js';
import { DataFileError } from './errors.js';
import { FASHION_MNIST_CLASS_NAMES } from './class-names.js';
import { cifarBytes, tempDir, writeBytes } from './test-files.js';

const { dir: root, cleanup } = tempDir();
afterAll(cleanup);

/** Writes the four standard IDX files (n train, m test images of 4×4) into a new folder. */
function idxFolder(name: string, n = 6, m = 3, gzip = true): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const ext = gzip ? '.gz' : '';
  writeBytes(dir, IDX_FILE_NAMES.trainImages + ext, encodeIdx([n, 4, 4], new Uint8Array(n * 16).fill(51)), gzip);
  writeBytes(dir, IDX_FILE_NAMES.trainLabels + ext, encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)), gzip);
  writeBytes(dir, IDX_FILE_NAMES.testImages + ext, encodeIdx([m, 4, 4], new Uint8Array(m * 16).fill(255)), gzip);
  writeBytes(dir, IDX_FILE_NAMES.testLabels + ext, encodeIdx([m], Uint8Array.from({ length: m }, (_, i) => 9 - i)), gzip);
  return dir;
}

function dataError(fn: () => unknown): DataFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataFileError);
    return err as DataFileError;
  }
  throw new Error('expected a DataFileError');
}

describe('loadDataset', () => {
  test('dataDir with IDX files under their standard names (gzip or not)', () => {
    for (const gzip of [true, false]) {
      const dir = idxFolder(`idx-${gzip}`, 6, 3, gzip);
      const { train, test: t } = loadDataset({ name: 'fashion-mnist', dataDir: dir });
      expect(train).toMatchObject({ name: 'fashion-mnist', n: 6, height: 4, width: 4, channels: 1, numClasses: 10 });
      expect(t.n).toBe(3);
      expect(train.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
      expect(train.images[0]).toBeCloseTo(0.2, 6);
      expect(train.source).toBe(`${join(dir, IDX_FILE_NAMES.trainImages)}${gzip ? '.gz' : ''} + ${join(dir, IDX_FILE_NAMES.trainLabels)}${gzip ? '.gz' : ''}`);
      expect(Array.from(t.labels)).toEqual([9, 8, 7]);
    }
  });

  test('dataDir takes precedence over the system copy and the fixture', () => {
    const dir = idxFolder('precedence');
    const pair = loadDataset({ name: 'fashion-mnist', dataDir: dir, fixtureOnly: true, systemDir: idxFolder('sys-unused', 8, 2) });
    expect(pair.train.n).toBe(6);
    expect(pair.train.source.startsWith(dir)).toBe(true);
  });

  test('the installed full set (systemDir) beats the fixture unless fixtureOnly', () => {
    const sys = idxFolder('system', 8, 2);
    expect(loadDataset({ name: 'fashion-mnist', systemDir: sys }).train.source.startsWith(sys)).toBe(true);
    const fixture = loadDataset({ name: 'fashion-mnist', systemDir: sys, fixtureOnly: true });
    expect(fixture.train.source).toMatch(/^fixture:fixtures\/fashion-mnist\//);
    expect(loadDataset({ name: 'fashion-mnist', systemDir: join(root, 'nothing-here') }).test.source).toMatch(/^fixture:/);
  });

  test('a folder without the files: the error names the folder and the files looked for', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const err = dataError(() => loadDataset({ name: 'fashion-mnist', dataDir: empty }));
    expect(err.file).toBe(empty);
    for (const base of Object.values(IDX_FILE_NAMES)) expect(err.message).toContain(`${base}[.gz]`);
    const c10 = dataError(() => loadDataset({ name: 'cifar10', dataDir: empty })).message;
    expect(c10).toContain(empty);
    expect(c10).toContain('data_batch_1.bin');
    expect(c10).toContain('test_batch.bin');
    expect(dataError(() => loadDataset({ name: 'cifar100', dataDir: empty })).message).toMatch(/train\.bin, test\.bin/);
    expect(dataError(() => loadDataset({ name: 'my-set', dataDir: empty })).message).toMatch(/IDX .* or CIFAR-10 .* or CIFAR-100/);
    expect(dataError(() => loadDataset({ name: 'mnist', dataDir: join(root, 'absent') })).message).toMatch(/not an existing folder/);
  });

  test('an incomplete folder names the files that are missing', () => {
    const only = join(root, 'only-train');
    mkdirSync(only);
    writeBytes(only, `${IDX_FILE_NAMES.trainImages}.gz`, encodeIdx([1, 2, 2], new Uint8Array(4)), true);
    const msg = dataError(() => loadDataset({ name: 'fashion-mnist', dataDir: only })).message;
    expect(msg).toMatch(/incomplete IDX.*found train-images-idx3-ubyte\.gz but missing train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\]/);
  });

  test('CIFAR-10 folder (standard subfolder) and CIFAR-100 folder with coarse labels', () => {
    const c10 = join(root, 'c10', 'cifar-10-batches-bin');
    mkdirSync(c10, { recursive: true });
    for (let b = 1; b <= 5; b++) writeBytes(c10, `data_batch_${b}.bin`, cifarBytes([[b], [b + 1]]));
    writeBytes(c10, 'test_batch.bin', cifarBytes([[0]]));
    const p10 = loadDataset({ name: 'CIFAR-10', dataDir: join(root, 'c10') });
    expect(p10.train).toMatchObject({ name: 'cifar10', n: 10, height: 32, width: 32, channels: 3, numClasses: 10 });
    expect(Array.from(p10.train.labels)).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(p10.test.n).toBe(1);
    // Format detection for a name loadDataset does not know:
    expect(loadDataset({ name: 'my-cifar-copy', dataDir: join(root, 'c10') }).train.n).toBe(10);

    const c100 = join(root, 'c100');
    mkdirSync(c100);
    writeBytes(c100, 'train.bin', cifarBytes([[3, 30], [4, 40]]));
    writeBytes(c100, 'test.bin', cifarBytes([[5, 50]]));
    expect(Array.from(loadDataset({ name: 'cifar100', dataDir: c100 }).train.labels)).toEqual([30, 40]);
    const coarse = loadDataset({ name: 'cifar100', dataDir: c100, cifar100Label: 'coarse' });
    expect(coarse.test.numClasses).toBe(20);
    expect(Array.from(coarse.test.labels)).toEqual([5]);
  });

  test('names that need dataDir say so', () => {
    expect(() => loadDataset({ name: 'cifar10' })).toThrow(/pass dataDir/);
    expect(() => loadDataset({ name: 'imagenet' })).toThrow(/unknown dataset 'imagenet'/);
  });
});
