import { afterAll, describe, expect, test } from 'vitest';
import { readCifarFiles } from './cifar.js';
import { DataFileError } from './errors.js';
import { cifarBytes, tempDir, writeBytes } from './test-files.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataFileError);
    return (err as DataFileError).message;
  }
  throw new Error('expected a DataFileError');
}

describe('bad CIFAR files give a DataFileError naming the file and the problem', () => {
  test('size not a multiple of the record size', () => {
    const path = writeBytes(dir, 'short.bin', cifarBytes([[1], [2]]).subarray(0, 3073 + 100));
    const msg = messageOf(() => readCifarFiles([path], { variant: 'cifar10' }));
    expect(msg).toContain(path);
    expect(msg).toMatch(/size 3173 bytes is not a multiple of the 3073-byte CIFAR-10 record .*1 whole records and 100 bytes left over/);
    // A CIFAR-10 file read as CIFAR-100 (3074-byte records) is caught the same way.
    const c10 = writeBytes(dir, 'c10.bin', cifarBytes([[1], [2]]));
    expect(messageOf(() => readCifarFiles([c10], { variant: 'cifar100' }))).toMatch(/not a multiple of the 3074-byte CIFAR-100 record/);
  });

  test('labels out of range', () => {
    const c10 = writeBytes(dir, 'label10.bin', cifarBytes([[1], [10]]));
    const m10 = messageOf(() => readCifarFiles([c10], { variant: 'cifar10' }));
    expect(m10).toContain(c10);
    expect(m10).toMatch(/label 10 of record 1 is out of range: expected \[0, 10\)/);
    const fine = writeBytes(dir, 'fine100.bin', cifarBytes([[3, 100]]));
    expect(messageOf(() => readCifarFiles([fine], { variant: 'cifar100' }))).toMatch(/fine label 100 of record 0 is out of range/);
    const coarse = writeBytes(dir, 'coarse20.bin', cifarBytes([[20, 5]]));
    expect(messageOf(() => readCifarFiles([coarse], { variant: 'cifar100', label: 'fine' }))).toMatch(/coarse label 20 of record 0/);
  });

  test('empty file', () => {
    const path = writeBytes(dir, 'empty.bin', new Uint8Array(0));
    expect(messageOf(() => readCifarFiles([path], { variant: 'cifar10' }))).toBe(`${path}: empty file; expected CIFAR-10 binary records of 3073 bytes`);
  });
});
