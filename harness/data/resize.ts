/**
 * Resizing a dataset's images to a square resolution, in pure JS on typed arrays. Each axis is
 * resampled separately: area averaging when it shrinks (each output pixel is the overlap-weighted
 * mean of the input pixels it covers, so 28→14 is exact 2×2 averaging and 28→16 uses fractional
 * overlaps), bilinear interpolation with half-pixel centres when it grows.
 */
import { createImageDataset } from './dataset.js';
import type { DatasetPair, ImageDataset } from './types.js';

/** Resampling taps of one output index: input indices and their weights (summing to 1). */
interface Taps {
  index: Int32Array;
  weight: Float64Array;
}

/** Area-averaging taps for shrinking an axis of length `inSize` to `outSize` (< inSize). */
function areaTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const taps: Taps[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * scale;
    const end = (o + 1) * scale;
    const first = Math.floor(start);
    const last = Math.min(inSize - 1, Math.ceil(end) - 1);
    const index: number[] = [];
    const weight: number[] = [];
    let total = 0;
    for (let i = first; i <= last; i++) {
      const overlap = Math.min(i + 1, end) - Math.max(i, start);
      if (overlap <= 1e-12) continue;
      index.push(i);
      weight.push(overlap);
      total += overlap;
    }
    taps.push({ index: Int32Array.from(index), weight: Float64Array.from(weight, (w) => w / total) });
  }
  return taps;
}

/** Bilinear taps (half-pixel centres, edge clamped) for growing an axis. */
function bilinearTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const taps: Taps[] = [];
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const t = src - i0;
    taps.push(i1 === i0 || t === 0 ? { index: Int32Array.of(i0), weight: Float64Array.of(1) } : { index: Int32Array.of(i0, i1), weight: Float64Array.of(1 - t, t) });
  }
  return taps;
}

function axisTaps(inSize: number, outSize: number): { taps: Taps[]; method: string } {
  if (outSize < inSize) return { taps: areaTaps(inSize, outSize), method: 'area averaging' };
  if (outSize > inSize) return { taps: bilinearTaps(inSize, outSize), method: 'bilinear' };
  return { taps: Array.from({ length: inSize }, (_, i) => ({ index: Int32Array.of(i), weight: Float64Array.of(1) })), method: 'identity' };
}

/**
 * Resizes every image of a dataset to `size × size` (channels unchanged). Returns a new dataset
 * named `<name>@<size>x<size>` whose source notes the resize and method; returns the dataset
 * itself when it already has that size. Values stay in [0, 1] (all weights are convex).
 */
export function resizeDataset(ds: ImageDataset, size: number): ImageDataset {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`resizeDataset(${ds.name}): size must be a positive integer, got ${size}`);
  if (ds.height === size && ds.width === size) return ds;
  const { n, height: H, width: W, channels: C } = ds;
  const rows = axisTaps(H, size);
  const cols = axisTaps(W, size);
  const outSize = size * size * C;
  const images = new Float32Array(n * outSize);
  const tmp = new Float64Array(H * size * C); // after resampling the width
  for (let i = 0; i < n; i++) {
    const inBase = i * H * W * C;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < size; x++) {
        const { index, weight } = cols.taps[x]!;
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (let t = 0; t < index.length; t++) acc += weight[t]! * ds.images[inBase + (y * W + index[t]!) * C + c]!;
          tmp[(y * size + x) * C + c] = acc;
        }
      }
    }
    const outBase = i * outSize;
    for (let y = 0; y < size; y++) {
      const { index, weight } = rows.taps[y]!;
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (let t = 0; t < index.length; t++) acc += weight[t]! * tmp[(index[t]! * size + x) * C + c]!;
          images[outBase + (y * size + x) * C + c] = acc;
        }
      }
    }
  }
  const methods = [...new Set([rows.method, cols.method].filter((m) => m !== 'identity'))].join(' + ');
  return createImageDataset({
    name: `${ds.name}@${size}x${size}`,
    images,
    labels: ds.labels,
    height: size,
    width: size,
    channels: C,
    numClasses: ds.numClasses,
    classNames: ds.classNames,
    source: `${ds.source} | resized ${H}x${W}→${size}x${size} (${methods})`,
  });
}

/** Resizes both parts of a {@link DatasetPair} with {@link resizeDataset}. */
export function resizePair(pair: DatasetPair, size: number): DatasetPair {
  return { train: resizeDataset(pair.train, size), test: resizeDataset(pair.test, size) };
}
