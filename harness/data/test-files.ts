/**
 * Helpers for this folder's tests: temporary folders and small data files in the real binary
 * layouts (IDX, CIFAR-10, CIFAR-100). Not part of the public API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CIFAR_PIXEL_BYTES } from './cifar.js';

/** A fresh temporary folder and a function that removes it. */
export function tempDir(prefix = 'naspoison-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes bytes to `dir/name`, gzip-compressed when asked, and returns the path. */
export function writeBytes(dir: string, name: string, bytes: Uint8Array, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** A CIFAR record's pixel byte at channel c, row y, column x, as the tests write it. */
export function cifarPixel(record: number, c: number, y: number, x: number): number {
  return (record * 7 + c * 101 + y * 13 + x * 3) % 256;
}

/** CIFAR binary bytes: for each record, its label bytes then 3 planes of 32×32 from {@link cifarPixel}. */
export function cifarBytes(labelRows: ReadonlyArray<readonly number[]>, recordOffset = 0): Uint8Array {
  const labelBytes = labelRows[0]?.length ?? 1;
  const rec = labelBytes + CIFAR_PIXEL_BYTES;
  const out = new Uint8Array(labelRows.length * rec);
  labelRows.forEach((labels, r) => {
    out.set(labels, r * rec);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) out[r * rec + labelBytes + c * 1024 + y * 32 + x] = cifarPixel(r + recordOffset, c, y, x);
  });
  return out;
}
