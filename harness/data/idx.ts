/**
 * Reader for the IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (0x00000803 for
 * uint8 images of 3 dimensions, 0x00000801 for uint8 labels), big-endian uint32 dimensions, then
 * uint8 data. Files may be gzip-compressed or not; compression is detected from the content.
 */
import { DataFileError } from './errors.js';
import { readDataFile } from './file-bytes.js';
import { bytesToUnitFloats, createImageDataset } from './dataset.js';
import type { ImageDataset } from './types.js';

/** Magic number of an IDX file of uint8 images (n × rows × cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of uint8 labels (n). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Raw uint8 images read from an IDX file. */
export interface IdxImages {
  /** Number of images. */
  n: number;
  /** Rows per image. */
  height: number;
  /** Columns per image. */
  width: number;
  /** `n × height × width` bytes, row-major. */
  pixels: Uint8Array;
}

function hex32(x: number): string {
  return `0x${(x >>> 0).toString(16).padStart(8, '0')}`;
}

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'IDX uint8 images';
  if (magic === IDX_LABELS_MAGIC) return 'IDX uint8 labels';
  return 'not a known IDX type';
}

/**
 * Parses IDX bytes with a given magic number and returns the dimensions and the data bytes.
 * @param path the file the bytes came from (for error messages)
 */
export function parseIdx(bytes: Uint8Array, path: string, expectedMagic: number): { dims: number[]; data: Uint8Array } {
  const ndims = expectedMagic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length === 0) throw new DataFileError(path, 'empty file (0 bytes); expected an IDX file');
  if (bytes.length < 4) {
    throw new DataFileError(path, `truncated file: expected at least ${headerBytes} header bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new DataFileError(
      path,
      `wrong magic number ${hex32(magic)} (${describeMagic(magic)}); expected ${hex32(expectedMagic)} (${describeMagic(expectedMagic)})`,
    );
  }
  if (bytes.length < headerBytes) {
    throw new DataFileError(path, `truncated file: expected at least ${headerBytes} header bytes, got ${bytes.length}`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const expected = headerBytes + count;
  if (bytes.length < expected) {
    throw new DataFileError(
      path,
      `truncated file: header says ${dims.join('×')} values, so expected ${expected} bytes (uncompressed), got ${bytes.length}`,
    );
  }
  if (bytes.length > expected) {
    throw new DataFileError(
      path,
      `${bytes.length - expected} unexpected trailing bytes: header says ${dims.join('×')} values, so expected ${expected} bytes (uncompressed), got ${bytes.length}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes, expected) };
}

/** Reads an IDX images file (magic 0x00000803), gzip or not. */
export function readIdxImages(path: string): IdxImages {
  const { dims, data } = parseIdx(readDataFile(path), path, IDX_IMAGES_MAGIC);
  const [n, height, width] = dims as [number, number, number];
  if (n > 0 && (height === 0 || width === 0)) throw new DataFileError(path, `images of size ${height}×${width} are empty`);
  return { n, height, width, pixels: data };
}

/** Reads an IDX labels file (magic 0x00000801), gzip or not; returns one byte per label. */
export function readIdxLabels(path: string): Uint8Array {
  return parseIdx(readDataFile(path), path, IDX_LABELS_MAGIC).data;
}

/** Options of {@link loadIdxPair}. */
export interface LoadIdxOptions {
  /** Number of classes; labels must be below it. Default 10 (MNIST, Fashion-MNIST). */
  numClasses?: number;
  /** Class names, `classNames[label]`; their count must equal `numClasses`. */
  classNames?: readonly string[];
  /** The dataset's `source` field; default `"<imagesPath> + <labelsPath>"`. */
  source?: string;
}

/**
 * Loads an IDX images file and its labels file into one single-channel {@link ImageDataset}
 * with pixels scaled to [0, 1].
 * @throws DataFileError on a truncated or corrupt file, a wrong magic number, image and label
 *   counts that differ, or a label ≥ numClasses.
 */
export function loadIdxPair(imagesPath: string, labelsPath: string, name: string, options: LoadIdxOptions = {}): ImageDataset {
  const numClasses = options.numClasses ?? options.classNames?.length ?? 10;
  const images = readIdxImages(imagesPath);
  const labelBytes = readIdxLabels(labelsPath);
  if (labelBytes.length !== images.n) {
    throw new DataFileError(
      labelsPath,
      `has ${labelBytes.length} labels but the images file ${imagesPath} has ${images.n} images; the counts must match`,
    );
  }
  const labels = new Int32Array(labelBytes.length);
  for (let i = 0; i < labelBytes.length; i++) {
    const y = labelBytes[i]!;
    if (y >= numClasses) {
      throw new DataFileError(labelsPath, `label ${y} at index ${i} is out of range: expected labels in [0, ${numClasses}) (${numClasses} classes)`);
    }
    labels[i] = y;
  }
  return createImageDataset({
    name,
    images: bytesToUnitFloats(images.pixels),
    labels,
    height: images.height,
    width: images.width,
    channels: 1,
    numClasses,
    classNames: options.classNames,
    source: options.source ?? `${imagesPath} + ${labelsPath}`,
  });
}
