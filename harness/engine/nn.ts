/**
 * Minimal neural-network building blocks on raw TF.js ops: parameters created from the seeded
 * {@link Rng}, convolution, batch norm with train/eval modes, linear. Lighter than tf.layers (which
 * roughly doubles the kernel launches per step) and initialised like PyTorch's defaults, so the
 * PyTorch peer benchmark runs the same network.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';

/** Whether a forward pass trains (batch statistics, running-stat updates, dropout) or evaluates. */
export interface ForwardContext {
  training: boolean;
}

/** Owns the variables of one network; disposing it frees them all. */
export class ParamStore {
  /** Weights trained by the optimiser. */
  readonly weights: tf.Variable[] = [];
  /** Non-trained state (batch-norm running statistics). */
  readonly state: tf.Variable[] = [];
  private count = 0;

  constructor(private readonly rng: Rng) {}

  private name(prefix: string): string {
    // Variable names are global in TF.js: make them unique per store.
    return `${prefix}_${this.rng.seed}_${ParamStore.serial++}_${this.count++}`;
  }
  private static serial = 0;

  /** A trainable tensor drawn uniformly from [−bound, bound] (PyTorch's default conv/linear init). */
  uniform(prefix: string, shape: number[], bound: number): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (2 * this.rng.uniform() - 1) * bound;
    const v = tf.variable(tf.tensor(values, shape), true, this.name(prefix));
    this.weights.push(v);
    return v;
  }

  /** A constant-filled tensor, trainable or state. */
  filled(prefix: string, shape: number[], value: number, trainable: boolean): tf.Variable {
    const v = tf.variable(tf.fill(shape, value), trainable, this.name(prefix));
    (trainable ? this.weights : this.state).push(v);
    return v;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.weights.reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of [...this.weights, ...this.state]) v.dispose();
    this.weights.length = 0;
    this.state.length = 0;
  }
}

export type Padding = 'same' | 'valid' | number;

/** A 2-D convolution without bias (NHWC, filter [k, k, inC, outC]). */
export function conv2dLayer(
  store: ParamStore,
  inC: number,
  outC: number,
  kernel: number,
  stride = 1,
  padding: Padding = 'same',
): (x: tf.Tensor4D) => tf.Tensor4D {
  const fanIn = inC * kernel * kernel;
  const w = store.uniform('conv', [kernel, kernel, inC, outC], 1 / Math.sqrt(fanIn)) as tf.Variable<tf.Rank.R4>;
  // PyTorch-style symmetric integer padding, e.g. 3×3 stride 2 pad 1 (TF's 'same' would pad 0/1).
  const pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding =
    typeof padding === 'number' ? [[0, 0], [padding, padding], [padding, padding], [0, 0]] : padding;
  return (x) => tf.conv2d(x, w, stride, pad as 'same');
}

const onesRows = new Map<string, tf.Tensor2D>();

/**
 * Per-channel mean over N, H, W as a [1, M]·[M, C] matmul: one fast GEMM instead of tf.mean over
 * the outer axes, which transposes the whole tensor first on wasm (~5× slower here).
 */
export function channelMean(x: tf.Tensor4D): tf.Tensor1D {
  const channels = x.shape[3];
  const rows = x.size / channels;
  const key = `${tf.getBackend()}:${rows}`;
  let ones = onesRows.get(key);
  if (ones === undefined) {
    ones = tf.keep(tf.fill([1, rows], 1 / rows)) as tf.Tensor2D;
    onesRows.set(key, ones);
  }
  return tf.reshape(tf.matMul(ones, tf.reshape(x, [rows, channels])), [channels]);
}

/** Options of {@link batchNormLayer}. */
export interface BatchNormOptions {
  /** Learn a per-channel scale and shift (DARTS-style supernets use false). */
  affine?: boolean;
  /** Running-statistics momentum, PyTorch convention (new = (1−m)·old + m·batch). */
  momentum?: number;
  epsilon?: number;
}

/**
 * Batch norm over N, H, W. Training: batch statistics (biased variance for normalising, unbiased
 * for the running estimate, as PyTorch), with a closed-form backward pass (about half the kernels
 * of differentiating the forward ops). Evaluation: running statistics.
 */
export function batchNormLayer(
  store: ParamStore,
  channels: number,
  options: BatchNormOptions = {},
): (x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor4D {
  const { affine = true, momentum = 0.1, epsilon = 1e-5 } = options;
  const gamma = affine ? store.filled('bn_gamma', [channels], 1, true) : undefined;
  const beta = affine ? store.filled('bn_beta', [channels], 0, true) : undefined;
  const runningMean = store.filled('bn_mean', [channels], 0, false);
  const runningVar = store.filled('bn_var', [channels], 1, false);

  const normalise = tf.customGrad(((x: tf.Tensor4D, save: (tensors: tf.Tensor[]) => void) => {
    const mean = channelMean(x);
    const centred = tf.sub(x, mean);
    const variance = channelMean(tf.square(centred) as tf.Tensor4D);
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(centred, inv);
    const count = x.size / channels;
    // Running statistics are a side effect of the training forward pass.
    tf.tidy(() => {
      runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum)));
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum)));
    });
    save([xhat, inv]);
    return {
      value: xhat,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, iv] = saved as [tf.Tensor4D, tf.Tensor1D];
        const meanDy = channelMean(dy as tf.Tensor4D);
        const meanDyXhat = channelMean(tf.mul(dy, xh) as tf.Tensor4D);
        return [tf.mul(iv, tf.sub(tf.sub(dy, meanDy), tf.mul(xh, meanDyXhat)))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  return (x, ctx) => {
    let y: tf.Tensor4D;
    if (ctx.training) {
      y = normalise(x) as tf.Tensor4D;
      if (gamma && beta) y = tf.add(tf.mul(y, gamma), beta);
    } else {
      y = tf.batchNorm(x, runningMean as tf.Tensor1D, runningVar as tf.Tensor1D, beta as tf.Tensor1D | undefined, gamma as tf.Tensor1D | undefined, epsilon);
    }
    return y;
  };
}

/** A fully connected layer with bias. */
export function linearLayer(store: ParamStore, inF: number, outF: number): (x: tf.Tensor2D) => tf.Tensor2D {
  const bound = 1 / Math.sqrt(inF);
  const w = store.uniform('linear_w', [inF, outF], bound) as tf.Variable<tf.Rank.R2>;
  const b = store.uniform('linear_b', [outF], bound) as tf.Variable<tf.Rank.R1>;
  return (x) => tf.add(tf.matMul(x, w), b);
}
