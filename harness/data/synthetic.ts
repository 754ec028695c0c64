/**
 * Seeded synthetic image classification data for fast tests: each class has a smooth prototype
 * image (Gaussian blobs plus a class-oriented grating, per channel); a sample is its class's
 * prototype with random contrast, brightness and Gaussian pixel noise, clipped to [0, 1].
 */
import { Rng } from '../engine/rng.js';
import { createImageDataset } from './dataset.js';
import type { DatasetPair, ImageDataset } from './types.js';

/** Shape and difficulty of a synthetic dataset. */
export interface SyntheticShape {
  /** Image height. Default 28. */
  height?: number;
  /** Image width. Default: the height. */
  width?: number;
  /** Channels. Default 1. */
  channels?: number;
  /** Number of classes. Default 10. */
  numClasses?: number;
  /** Standard deviation of the per-pixel Gaussian noise (pixel scale [0, 1]). Default 0.15. */
  noise?: number;
  /** Dataset name. Default `synthetic`. */
  name?: string;
}

/** Options of {@link syntheticDataset}. */
export interface SyntheticOptions extends SyntheticShape {
  /** Number of images (labels are balanced: counts differ by at most one). */
  n: number;
  /** Root seed; the class prototypes depend only on it and the shape. */
  seed: number;
  /**
   * Which part to draw, e.g. `train` or `test`: parts of one seed share the class prototypes but
   * have independent samples. Default `train`.
   */
  part?: string;
}

interface ResolvedShape {
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  noise: number;
  name: string;
}

function resolveShape(o: SyntheticShape): ResolvedShape {
  const height = o.height ?? 28;
  const shape = {
    height,
    width: o.width ?? height,
    channels: o.channels ?? 1,
    numClasses: o.numClasses ?? 10,
    noise: o.noise ?? 0.15,
    name: o.name ?? 'synthetic',
  };
  for (const key of ['height', 'width', 'channels', 'numClasses'] as const) {
    if (!Number.isInteger(shape[key]) || shape[key] <= 0) throw new RangeError(`synthetic data: ${key} must be a positive integer, got ${shape[key]}`);
  }
  if (!(shape.noise >= 0)) throw new RangeError(`synthetic data: noise must be ≥ 0, got ${shape.noise}`);
  return shape;
}

/** One prototype image per class (HWC, values in [0.1, 0.9]). */
function classPrototypes(rng: Rng, s: ResolvedShape): Float32Array[] {
  const { height: H, width: W, channels: C, numClasses: K } = s;
  const protos: Float32Array[] = [];
  for (let k = 0; k < K; k++) {
    const r = rng.child('class', k);
    const img = new Float32Array(H * W * C);
    const theta = (Math.PI * k) / K + 0.3 * r.uniform();
    const freq = (2 * Math.PI * (1.5 + 2 * r.uniform())) / Math.max(H, W);
    const [ct, st] = [Math.cos(theta), Math.sin(theta)];
    for (let c = 0; c < C; c++) {
      const blobs = Array.from({ length: 3 }, () => ({
        y: r.uniform() * H,
        x: r.uniform() * W,
        s2: (Math.max(H, W) * (0.12 + 0.2 * r.uniform())) ** 2,
        a: r.uniform() * 2 - 1,
      }));
      const phase = 2 * Math.PI * r.uniform();
      const gAmp = 0.5 + 0.5 * r.uniform();
      let lo = Infinity;
      let hi = -Infinity;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let v = gAmp * Math.sin(freq * (x * ct + y * st) + phase);
          for (const b of blobs) v += b.a * Math.exp(-((y - b.y) ** 2 + (x - b.x) ** 2) / (2 * b.s2));
          img[(y * W + x) * C + c] = v;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      const span = hi - lo || 1;
      for (let p = c; p < img.length; p += C) img[p] = 0.1 + (0.8 * (img[p]! - lo)) / span;
    }
    protos.push(img);
  }
  return protos;
}

/**
 * Generates a synthetic dataset; the same options always give the same data.
 * @example syntheticDataset({ n: 200, seed: 1, height: 16, numClasses: 4 })
 */
export function syntheticDataset(options: SyntheticOptions): ImageDataset {
  const s = resolveShape(options);
  const { n, seed } = options;
  const part = options.part ?? 'train';
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`synthetic data: n must be a non-negative integer, got ${n}`);
  const root = new Rng(seed).child('synthetic', s.height, s.width, s.channels, s.numClasses);
  const protos = classPrototypes(root.child('prototypes'), s);
  const rng = root.child('samples', part);
  const labelList: number[] = Array.from({ length: n }, (_, i) => i % s.numClasses);
  const labels = Int32Array.from(rng.shuffle(labelList));
  const size = s.height * s.width * s.channels;
  const images = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const proto = protos[labels[i]!]!;
    const contrast = 0.8 + 0.4 * rng.uniform();
    const brightness = 0.2 * rng.uniform() - 0.1;
    const base = i * size;
    for (let p = 0; p < size; p++) {
      const v = 0.5 + contrast * (proto[p]! - 0.5) + brightness + s.noise * rng.normal();
      images[base + p] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return createImageDataset({
    name: s.name,
    images,
    labels,
    height: s.height,
    width: s.width,
    channels: s.channels,
    numClasses: s.numClasses,
    classNames: Array.from({ length: s.numClasses }, (_, k) => `class-${k}`),
    source: `synthetic:seed=${seed},part=${part},n=${n},${s.height}x${s.width}x${s.channels},classes=${s.numClasses},noise=${s.noise}`,
  });
}

/** Generates a train/test pair sharing class prototypes (parts `train` and `test` of one seed). */
export function syntheticPair(options: SyntheticShape & { trainN: number; testN: number; seed: number }): DatasetPair {
  const { trainN, testN, ...rest } = options;
  return {
    train: syntheticDataset({ ...rest, n: trainN, part: 'train' }),
    test: syntheticDataset({ ...rest, n: testN, part: 'test' }),
  };
}
