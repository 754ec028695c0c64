/**
 * Readers for the CIFAR-10 and CIFAR-100 binary versions: fixed-size records of label byte(s)
 * followed by 3072 pixel bytes as three 32×32 planes (R, then G, then B, each row-major),
 * converted here to NHWC float32 in [0, 1].
 */
import { DataFileError } from './errors.js';
import { readDataFile } from './file-bytes.js';
import { createImageDataset } from './dataset.js';
import { CIFAR100_COARSE_CLASS_NAMES, CIFAR100_FINE_CLASS_NAMES, CIFAR10_CLASS_NAMES } from './class-names.js';
import type { ImageDataset } from './types.js';

/** Side of a CIFAR image. */
export const CIFAR_SIZE = 32;
/** Pixel bytes per CIFAR record (3 planes of 32×32). */
export const CIFAR_PIXEL_BYTES = 3 * CIFAR_SIZE * CIFAR_SIZE;

/** Which CIFAR binary layout a file uses. */
export type CifarVariant = 'cifar10' | 'cifar100';
/** Which CIFAR-100 label to use: the 100 fine classes or the 20 coarse superclasses. */
export type Cifar100Label = 'fine' | 'coarse';

/** Options of the CIFAR readers. */
export interface CifarOptions {
  /** Record layout: CIFAR-10 (1 label byte) or CIFAR-100 (coarse byte, fine byte). */
  variant: CifarVariant;
  /** CIFAR-100 only: which label to use. Default `'fine'`. */
  label?: Cifar100Label;
}

/** Images (NHWC float32 in [0, 1]) and labels read from CIFAR binary files. */
export interface CifarRecords {
  images: Float32Array;
  labels: Int32Array;
  numClasses: number;
  classNames: readonly string[];
}

function layout(options: CifarOptions): { labelBytes: number; labelOffset: number; numClasses: number; classNames: readonly string[] } {
  if (options.variant === 'cifar10') {
    if (options.label !== undefined && options.label !== 'fine') {
      throw new RangeError(`CIFAR-10 has a single label per record; label '${options.label}' applies to CIFAR-100 only`);
    }
    return { labelBytes: 1, labelOffset: 0, numClasses: 10, classNames: CIFAR10_CLASS_NAMES };
  }
  const coarse = (options.label ?? 'fine') === 'coarse';
  return coarse
    ? { labelBytes: 2, labelOffset: 0, numClasses: 20, classNames: CIFAR100_COARSE_CLASS_NAMES }
    : { labelBytes: 2, labelOffset: 1, numClasses: 100, classNames: CIFAR100_FINE_CLASS_NAMES };
}

/**
 * Reads one or more CIFAR binary files (concatenated in the order given), gzip or not.
 * @throws DataFileError for an empty file, a size that is not a multiple of the record size, or a
 *   label out of range (CIFAR-100 checks both the coarse and the fine byte).
 */
export function readCifarFiles(paths: readonly string[], options: CifarOptions): CifarRecords {
  const { labelBytes, labelOffset, numClasses, classNames } = layout(options);
  const recordBytes = labelBytes + CIFAR_PIXEL_BYTES;
  const name = options.variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
  const files = paths.map((path) => {
    const bytes = readDataFile(path);
    if (bytes.length === 0) throw new DataFileError(path, `empty file; expected ${name} binary records of ${recordBytes} bytes`);
    if (bytes.length % recordBytes !== 0) {
      const whole = Math.floor(bytes.length / recordBytes);
      throw new DataFileError(
        path,
        `size ${bytes.length} bytes is not a multiple of the ${recordBytes}-byte ${name} record ` +
          `(${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${CIFAR_PIXEL_BYTES} pixel bytes): ` +
          `${whole} whole records and ${bytes.length - whole * recordBytes} bytes left over`,
      );
    }
    return { path, bytes, n: bytes.length / recordBytes };
  });
  const total = files.reduce((s, f) => s + f.n, 0);
  const plane = CIFAR_SIZE * CIFAR_SIZE;
  const images = new Float32Array(total * CIFAR_PIXEL_BYTES);
  const labels = new Int32Array(total);
  let k = 0;
  for (const { path, bytes, n } of files) {
    for (let r = 0; r < n; r++, k++) {
      const base = r * recordBytes;
      if (options.variant === 'cifar100') {
        const coarse = bytes[base]!;
        const fine = bytes[base + 1]!;
        if (coarse >= 20) throw new DataFileError(path, `coarse label ${coarse} of record ${r} is out of range: expected [0, 20)`);
        if (fine >= 100) throw new DataFileError(path, `fine label ${fine} of record ${r} is out of range: expected [0, 100)`);
      }
      const y = bytes[base + labelOffset]!;
      if (y >= numClasses) throw new DataFileError(path, `label ${y} of record ${r} is out of range: expected [0, ${numClasses})`);
      labels[k] = y;
      const src = base + labelBytes;
      const dst = k * CIFAR_PIXEL_BYTES;
      for (let p = 0; p < plane; p++) {
        const o = dst + 3 * p;
        images[o] = bytes[src + p]! / 255;
        images[o + 1] = bytes[src + plane + p]! / 255;
        images[o + 2] = bytes[src + 2 * plane + p]! / 255;
      }
    }
  }
  return { images, labels, numClasses, classNames };
}

/**
 * Loads CIFAR binary files into one 32×32×3 {@link ImageDataset}.
 * @param paths the batch files, concatenated in this order
 * @param name the dataset name, e.g. `cifar10`
 */
export function loadCifarFiles(paths: readonly string[], name: string, options: CifarOptions & { source?: string }): ImageDataset {
  if (paths.length === 0) throw new RangeError(`loadCifarFiles(${name}): no files given`);
  const rec = readCifarFiles(paths, options);
  return createImageDataset({
    name,
    images: rec.images,
    labels: rec.labels,
    height: CIFAR_SIZE,
    width: CIFAR_SIZE,
    channels: 3,
    numClasses: rec.numClasses,
    classNames: rec.classNames,
    source: options.source ?? paths.join(' + '),
  });
}
