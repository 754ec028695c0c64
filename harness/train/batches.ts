/** Mini-batches gathered from an ImageDataset in JS (one tensor upload per batch). */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/types.js';

export interface Batch {
  x: tf.Tensor4D;
  /** One-hot labels. */
  y: tf.Tensor2D;
  labels: Int32Array;
}

/** Builds the batch of `indices[start, end)` of `ds`. The caller disposes the tensors. */
export function gatherBatch(ds: ImageDataset, indices: ArrayLike<number>, start: number, end: number): Batch {
  const size = end - start;
  const pixels = ds.height * ds.width * ds.channels;
  const images = new Float32Array(size * pixels);
  const oneHot = new Float32Array(size * ds.numClasses);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const index = indices[start + i]!;
    images.set(ds.images.subarray(index * pixels, (index + 1) * pixels), i * pixels);
    const label = ds.labels[index]!;
    labels[i] = label;
    oneHot[i * ds.numClasses + label] = 1;
  }
  return {
    x: tf.tensor4d(images, [size, ds.height, ds.width, ds.channels]),
    y: tf.tensor2d(oneHot, [size, ds.numClasses]),
    labels,
  };
}

/**
 * Batch boundaries for n items. For training, a trailing batch smaller than `minLast` is dropped
 * (batch statistics need at least 2); evaluation passes `minLast = 1` to keep every item.
 */
export function batchRanges(n: number, batchSize: number, minLast = 2): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (end - start >= minLast || ranges.length === 0) ranges.push([start, end]);
  }
  return ranges;
}
