/**
 * Construction of {@link ImageDataset} values with their invariants checked, shared by every
 * loader and transformation in this folder.
 */
import type { ImageDataset } from './types.js';

/** The fields of an {@link ImageDataset}, as given to {@link createImageDataset}. */
export interface ImageDatasetFields {
  name: string;
  images: Float32Array;
  labels: Int32Array;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames?: readonly string[] | undefined;
  source: string;
}

function assertPositiveInt(what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`ImageDataset: ${what} must be a positive integer, got ${value}`);
}

/**
 * Builds an {@link ImageDataset} (with `n = labels.length`) after checking that the image array
 * matches the shape, every label is in `[0, numClasses)` and class names, when given, number
 * `numClasses`. Throws a RangeError naming the dataset otherwise. The arrays are used, not copied.
 */
export function createImageDataset(fields: ImageDatasetFields): ImageDataset {
  const { name, images, labels, height, width, channels, numClasses, classNames, source } = fields;
  assertPositiveInt(`${name}: height`, height);
  assertPositiveInt(`${name}: width`, width);
  assertPositiveInt(`${name}: channels`, channels);
  assertPositiveInt(`${name}: numClasses`, numClasses);
  const n = labels.length;
  const expected = n * height * width * channels;
  if (images.length !== expected) {
    throw new RangeError(
      `ImageDataset ${name}: ${n} labels × ${height}×${width}×${channels} needs ${expected} pixel values, got ${images.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y < 0 || y >= numClasses) throw new RangeError(`ImageDataset ${name}: label ${y} of image ${i} is outside [0, ${numClasses})`);
  }
  if (classNames !== undefined && classNames.length !== numClasses) {
    throw new RangeError(`ImageDataset ${name}: ${classNames.length} class names for ${numClasses} classes`);
  }
  const ds: ImageDataset = { name, images, labels, n, height, width, channels, numClasses, source };
  return classNames === undefined ? ds : { ...ds, classNames };
}

/** Converts uint8 pixels to float32 in [0, 1] (divides by 255). */
export function bytesToUnitFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 255;
  return out;
}

/** Counts images per class: `counts[c]` is the number of labels equal to `c`. */
export function classCounts(labels: Int32Array, numClasses: number): Int32Array {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0 || y >= numClasses) throw new RangeError(`classCounts: label ${y} at ${i} is outside [0, ${numClasses})`);
    counts[y]!++;
  }
  return counts;
}
