/**
 * The files of one exec search: a fresh folder per search (named after its owner process, so that
 * what a killed run leaves behind can be told apart and swept) and the dataset written into it as
 * IDX uint8 files, the format every language has a ten-line reader for.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset } from '../../data/types.js';
import { encodeIdx } from '../../data/idx-write.js';
import { currentProcess, parseProcessIdentity, processState } from '../../util/process.js';
import type { ExecIdxPair } from './protocol.js';

/** Name prefix of the per-search folders: `naspoison-exec-<pid>-<random>`. */
export const EXEC_FOLDER_PREFIX = 'naspoison-exec-';
const OWNER_FILE = 'owner.json';

/** Creates the folder of one search under `parent` and records its owner process in it. */
export function createSearchFolder(parent: string): string {
  const dir = mkdtempSync(join(parent, `${EXEC_FOLDER_PREFIX}${process.pid}-`));
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(currentProcess()));
  return dir;
}

/**
 * Removes the search folders under `parent` whose owner process is gone: what a `kill -9` of
 * naspoison leaves behind (its `finally` never ran). Folders of live processes, of other hosts and
 * without a readable owner are kept.
 */
export function sweepStaleSearchFolders(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(EXEC_FOLDER_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    let owner;
    try {
      owner = parseProcessIdentity(JSON.parse(readFileSync(join(parent, name, OWNER_FILE), 'utf8')));
    } catch {
      continue; // being created, or not ours
    }
    if (owner !== undefined && processState(owner) === 'gone') rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Pixel bytes of a dataset: round(255 · value), clamped to 0..255, and the largest rounding error. */
export function quantizePixels(images: Float32Array): { bytes: Uint8Array; maxError: number } {
  const bytes = new Uint8Array(images.length);
  let maxError = 0;
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    const b = Math.min(255, Math.max(0, Math.round(v * 255)));
    bytes[i] = b;
    const err = Math.abs(v - b / 255);
    if (err > maxError) maxError = err;
  }
  // Float32 data read from uint8 files is b/255 rounded to float32: count that as exact.
  return { bytes, maxError: maxError < 1e-6 ? 0 : maxError };
}

/**
 * Writes `ds` as two uncompressed IDX files `<prefix>-images-idx<d>-ubyte` and
 * `<prefix>-labels-idx1-ubyte` in `dir`. Images are n × height × width (magic 0x803) for one
 * channel, n × height × width × channels (magic 0x804) otherwise. Returns the request's entry for
 * them and the largest pixel rounding error.
 * @throws RangeError when a label does not fit a byte (more than 256 classes).
 */
export function writeIdxPair(ds: ImageDataset, dir: string, prefix: string): { pair: ExecIdxPair; maxError: number } {
  if (ds.numClasses > 256) throw new RangeError(`exec: ${ds.numClasses} classes do not fit IDX uint8 labels (at most 256)`);
  const dims = ds.channels === 1 ? [ds.n, ds.height, ds.width] : [ds.n, ds.height, ds.width, ds.channels];
  const { bytes, maxError } = quantizePixels(ds.images);
  const images = join(dir, `${prefix}-images-idx${dims.length}-ubyte`);
  const labels = join(dir, `${prefix}-labels-idx1-ubyte`);
  writeFileSync(images, encodeIdx(dims, bytes));
  writeFileSync(labels, encodeIdx([ds.n], Uint8Array.from(ds.labels)));
  return { pair: { images, labels, n: ds.n }, maxError };
}
