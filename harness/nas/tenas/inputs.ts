/**
 * TE-NAS's inputs, drawn from the search set's images by the search seed alone. Labels are never
 * read — not to draw (no stratification by class), not to pass on: the proxy batches carry zeros
 * as labels — so a label-flipping attack cannot change what TE-NAS sees, and with the same seed it
 * returns the same cell.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types.js';
import type { Rng } from '../../engine/rng.js';
import type { ProxyBatch } from '../../proxies/types.js';

/** A proxy batch of `x` whose labels are all 0: the metrics TE-NAS uses read no labels. */
function unlabelled(x: tf.Tensor4D, numClasses: number): ProxyBatch {
  return { x, labels: new Int32Array(x.shape[0]), numClasses };
}

/** The NTK batch: `size` distinct images drawn uniformly (by index) from `train`, as stored ([0, 1]). */
export function ntkBatch(train: ImageDataset, size: number, rng: Rng): ProxyBatch {
  if (size > train.n) throw new Error(`tenas: the NTK batch needs ${size} images, the search set has ${train.n}`);
  const indices = rng.sampleWithoutReplacement(train.n, size);
  const pixels = train.height * train.width * train.channels;
  const images = new Float32Array(size * pixels);
  indices.forEach((index, i) => images.set(train.images.subarray(index * pixels, (index + 1) * pixels), i * pixels));
  return unlabelled(tf.tensor4d(images, [size, train.height, train.width, train.channels]), train.numClasses);
}

/** Per-channel mean and sd of all of `train`'s pixels (float64 sums). */
export function channelMoments(train: ImageDataset): { mean: number[]; sd: number[] } {
  const c = train.channels;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let i = 0; i < train.images.length; i++) {
    const v = train.images[i]!;
    const k = i % c;
    sum[k] = sum[k]! + v;
    sumSq[k] = sumSq[k]! + v * v;
  }
  const count = train.images.length / c;
  const mean = Array.from(sum, (s) => s / count);
  const sd = Array.from(sumSq, (s, k) => Math.sqrt(Math.max(0, s / count - mean[k]! ** 2)));
  return { mean, sd };
}

/**
 * The region samples: `count` one-channel `crop`×`crop` crops, each from a uniformly drawn image,
 * channel and position (the authors' RandomCrop and RandChannel(1)), standardised by the search
 * set's per-channel mean and sd (a constant channel is only centred).
 */
export function regionBatch(train: ImageDataset, count: number, crop: number, rng: Rng): ProxyBatch {
  if (crop > train.height || crop > train.width) throw new Error(`tenas: ${crop}×${crop} region crops do not fit the search set's ${train.height}×${train.width} images`);
  const { mean, sd } = channelMoments(train);
  const { height: h, width: w, channels: c } = train;
  const values = new Float32Array(count * crop * crop);
  for (let s = 0; s < count; s++) {
    const image = rng.int(train.n);
    const channel = rng.int(c);
    const top = rng.int(h - crop + 1);
    const left = rng.int(w - crop + 1);
    const scale = sd[channel]! > 0 ? 1 / sd[channel]! : 1;
    for (let dy = 0; dy < crop; dy++) {
      for (let dx = 0; dx < crop; dx++) {
        const v = train.images[((image * h + top + dy) * w + left + dx) * c + channel]!;
        values[(s * crop + dy) * crop + dx] = (v - mean[channel]!) * scale;
      }
    }
  }
  return unlabelled(tf.tensor4d(values, [count, crop, crop, 1]), train.numClasses);
}
