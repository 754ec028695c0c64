/**
 * Minimal neural-network building blocks on raw TF.js ops: parameters created from the seeded
 * {@link Rng}, convolution, batch norm with train/eval modes, linear. Lighter than tf.layers (which
 * roughly doubles the kernel launches per step) and initialised like PyTorch's defaults, so the
 * PyTorch peer benchmark runs the same network.
 */
import * as tf from '@tensorflow/tfjs';
import { deviceScalar } from './constants.js';
import type { Rng } from './rng.js';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from './kernels/batch-norm.js';
import { CONV2D_BACKPROP_FILTER_FLIPPED, FLIPPED_FILTER, flippedConvFits } from './kernels/conv2d-backprop-filter.js';
import { convGeometry } from './kernels/conv-geometry.js';
import { RUNNING_STATS, hasKernel } from './kernels/optimizer-updates.js';

/** Whether a forward pass trains (batch statistics, running-stat updates, dropout) or evaluates. */
export interface ForwardContext {
  training: boolean;
  /**
   * Called with every ReLU output of the network, in forward order, and its return value used in
   * its place: training-free metrics observe activation patterns (linear regions) or scale each
   * activation by a variable to read ∂L/∂a (fisher). Absent in training and evaluation.
   */
  activation?: (a: tf.Tensor4D) => tf.Tensor4D;
}

/** relu(x), passed through the context's {@link ForwardContext.activation} hook when it has one. */
export function reluActivation(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
  const a = tf.relu(x);
  return ctx.activation ? ctx.activation(a) : a;
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
    const initial = tf.tensor(values, shape);
    const v = tf.variable(initial, true, this.name(prefix));
    // The variable holds its own reference to the data; the initial tensor would otherwise leak.
    initial.dispose();
    this.weights.push(v);
    return v;
  }

  /** A constant-filled tensor, trainable or state. */
  filled(prefix: string, shape: number[], value: number, trainable: boolean): tf.Variable {
    const initial = tf.fill(shape, value);
    const v = tf.variable(initial, trainable, this.name(prefix));
    initial.dispose();
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

/**
 * A convolution's input prepared once for the weight gradients of all the convs that read it (wasm:
 * the flipped conv's filter, see NaspoisonFlippedFilter in kernels/conv2d-backprop-filter.ts);
 * undefined on other backends. Off the gradient path: only the convs' backward passes read it.
 */
export function sharedConvInput(x: tf.Tensor4D): tf.Tensor4D | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  return tf.engine().runKernel(FLIPPED_FILTER, { x }) as tf.Tensor4D;
}

/** A conv layer; `shared` (from {@link sharedConvInput} of the same x) speeds up its dW on wasm. */
export type ConvLayer = (x: tf.Tensor4D, shared?: tf.Tensor4D) => tf.Tensor4D;

/** A 2-D convolution without bias (NHWC, filter [k, k, inC, outC]). */
export function conv2dLayer(
  store: ParamStore,
  inC: number,
  outC: number,
  kernel: number,
  stride = 1,
  padding: Padding = 'same',
): ConvLayer {
  const fanIn = inC * kernel * kernel;
  const w = store.uniform('conv', [kernel, kernel, inC, outC], 1 / Math.sqrt(fanIn)) as tf.Variable<tf.Rank.R4>;
  // PyTorch-style symmetric integer padding, e.g. 3×3 stride 2 pad 1 (TF's 'same' would pad 0/1).
  const pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding =
    typeof padding === 'number' ? [[0, 0], [padding, padding], [padding, padding], [0, 0]] : padding;
  const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as const;
  // The transposed input of the current call, handed from the caller to the op's backward pass.
  let pending: tf.Tensor4D | undefined;
  // The same conv as tf.conv2d with tfjs's gradient kernels, except that dW reads the shared input.
  const convShared = tf.customGrad(((x: tf.Tensor4D, filter: tf.Tensor4D, save: (tensors: tf.Tensor[]) => void) => {
    // Saved, so it outlives the forward pass's scope (tfjs disposes what the tape does not keep);
    // the saved copy shares its buffer (wasm Identity), hence tfjs's operator cache key.
    save([x, filter, pending!]);
    return {
      value: tf.conv2d(x, filter, stride, pad as 'same'),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws, xT] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: ws }, { ...attrs, inputShape: xs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
        // A recorded backward pass (second order) keeps tfjs's kernel, which has a gradient.
        const dW =
          tf.engine().state.gradientDepth > 0
            ? tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy }, { ...attrs, filterShape: ws.shape } as unknown as tf.NamedAttrMap)
            : tf.engine().runKernel(CONV2D_BACKPROP_FILTER_FLIPPED, { xT, dy }, { ...attrs, filterShape: ws.shape, inputShape: xs.shape } as unknown as tf.NamedAttrMap);
        return [dx, dW as tf.Tensor];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const fits = new Map<string, boolean>();
  return (x, shared) => {
    if (shared === undefined || tf.getBackend() !== 'wasm') return tf.conv2d(x, w, stride, pad as 'same');
    const key = x.shape.join(',');
    let ok = fits.get(key);
    if (ok === undefined) {
      ok = flippedConvFits(convGeometry(x.shape, w.shape, stride, pad, undefined, 'NHWC'));
      fits.set(key, ok);
    }
    if (!ok) return tf.conv2d(x, w, stride, pad as 'same');
    pending = shared;
    try {
      return convShared(x, w) as tf.Tensor4D;
    } finally {
      pending = undefined;
    }
  };
}

const batchMeanRows = new Map<string, tf.Tensor2D>();

/**
 * Per-channel mean over N, H, W: a global average pool per image, then a [1, N]·[N, C] matmul.
 * tf.mean over the outer axes transposes the whole tensor first on wasm, and a [1, NHW]·[NHW, C]
 * matmul repacks the big operand on every call; the pool and the tiny matmul need neither.
 */
export function channelMean(x: tf.Tensor4D): tf.Tensor1D {
  const [batch, height, width, channels] = x.shape;
  const key = `${tf.getBackend()}:${batch}`;
  let row = batchMeanRows.get(key);
  if (row === undefined) {
    row = tf.keep(tf.fill([1, batch], 1 / batch)) as tf.Tensor2D;
    batchMeanRows.set(key, row);
  }
  const perImage = height === 1 && width === 1 ? x : tf.avgPool(x, [height, width], 1, 'valid');
  return tf.reshape(tf.matMul(row, tf.reshape(perImage, [batch, channels])), [channels]);
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
 * for the running estimate, as PyTorch), scale and shift applied inside one custom-gradient op whose
 * closed-form backward gives dx, dγ and dβ from two channel reductions (differentiating the
 * forward ops instead costs ~3× the kernels, and tf.sum over N, H, W transposes on wasm).
 * Evaluation: running statistics.
 */
export function batchNormLayer(
  store: ParamStore,
  channels: number,
  options: BatchNormOptions = {},
): (x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor4D {
  const { affine = true, momentum = 0.1, epsilon = 1e-5 } = options;
  const gamma = affine ? store.filled('bn_gamma', [channels], 1, true) : store.filled('bn_gamma', [channels], 1, false);
  const beta = affine ? store.filled('bn_beta', [channels], 0, true) : store.filled('bn_beta', [channels], 0, false);
  const runningMean = store.filled('bn_mean', [channels], 0, false);
  const runningVar = store.filled('bn_var', [channels], 1, false);
  /**
   * Running statistics from the batch statistics (rows 0 and 1 of `stats`: mean, biased variance),
   * kept on the backend: one kernel on wasm and cpu, tensor ops elsewhere. Never read by the host.
   */
  const updateRunning = (stats: tf.Tensor2D, count: number): void => {
    if (hasKernel(RUNNING_STATS, tf.getBackend())) {
      const [mean, variance] = tf.engine().runKernel(RUNNING_STATS, { mean: runningMean, variance: runningVar, stats }, { momentum, count }) as tf.Tensor[];
      runningMean.assign(mean!);
      runningVar.assign(variance!);
      tf.dispose([mean!, variance!]);
      return;
    }
    const correction = count > 1 ? count / (count - 1) : 1;
    tf.tidy(() => {
      const [mean, variance] = tf.unstack(tf.slice(stats, [0, 0], [2, channels]));
      runningMean.assign(tf.add(tf.mul(runningMean, deviceScalar(1 - momentum)), tf.mul(mean!, deviceScalar(momentum))));
      runningVar.assign(tf.add(tf.mul(runningVar, deviceScalar(1 - momentum)), tf.mul(variance!, deviceScalar(momentum * correction))));
    });
  };

  const normalise = tf.customGrad(((x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D, save: (tensors: tf.Tensor[]) => void) => {
    const mean = channelMean(x);
    const centred = tf.sub(x, mean);
    const variance = channelMean(tf.square(centred) as tf.Tensor4D);
    const inv = tf.rsqrt(tf.add(variance, deviceScalar(epsilon)));
    const scale = tf.mul(inv, g);
    updateRunning(tf.stack([mean, variance]) as tf.Tensor2D, x.size / channels);
    // x and γ are saved too (zero-copy on wasm) for second-order derivatives, see gradFunc.
    save([centred, inv, scale, x, g]);
    return {
      value: tf.add(tf.mul(centred, scale), b),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        let [c, iv, sc] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        if (tf.engine().state.gradientDepth > 0) {
          // This backward pass is itself being recorded: a derivative of the gradient is wanted
          // (GraSP, gradient matching). centred/inv/scale were computed inside the custom op, off
          // the tape, so their dependence on x and γ would be silently dropped (the second-order
          // result was off by a factor of 2 on a test input). Recompute them on the tape from the
          // saved inputs, whose copies the tape links to x and γ.
          const [xs, gs] = saved.slice(3) as [tf.Tensor4D, tf.Tensor1D];
          c = tf.sub(xs, channelMean(xs));
          iv = tf.rsqrt(tf.add(channelMean(tf.square(c) as tf.Tensor4D), epsilon));
          sc = tf.mul(iv, gs);
        }
        const count = dy.size / channels;
        const meanDy = channelMean(dy);
        const meanDyC = channelMean(tf.mul(dy, c) as tf.Tensor4D);
        // dx = γ·inv·(dy − mean(dy) − x̂·mean(dy·x̂)), with x̂ = c·inv.
        const k = tf.mul(tf.square(iv), meanDyC);
        const dx = tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(c, k)), sc);
        return [dx, tf.mul(tf.mul(meanDyC, iv), count), tf.mul(meanDy, count)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  /** The on-tape recomputation of the backward pass (second order), from the saved x and γ. */
  const differentiableGrad = (dy: tf.Tensor4D, xs: tf.Tensor4D, gs: tf.Tensor1D): tf.Tensor[] => {
    const count = dy.size / channels;
    const c = tf.sub(xs, channelMean(xs));
    const iv = tf.rsqrt(tf.add(channelMean(tf.square(c) as tf.Tensor4D), epsilon));
    const sc = tf.mul(iv, gs);
    const meanDy = channelMean(dy);
    const meanDyC = channelMean(tf.mul(dy, c) as tf.Tensor4D);
    const k = tf.mul(tf.square(iv), meanDyC);
    const dx = tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(c, k)), sc);
    return [dx, tf.mul(tf.mul(meanDyC, iv), count), tf.mul(meanDy, count)];
  };

  // wasm: the same op as two fused kernels (kernels/batch-norm.ts), one launch forward and one
  // backward instead of ~45; a recorded backward pass (second order) takes differentiableGrad.
  const normaliseFused = tf.customGrad(((x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D, save: (tensors: tf.Tensor[]) => void) => {
    const [value, stats] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma: g, beta: b }, { epsilon }) as [tf.Tensor4D, tf.Tensor2D];
    updateRunning(stats, x.size / channels);
    save([x, stats, g]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, st, gs] = saved as [tf.Tensor4D, tf.Tensor2D, tf.Tensor1D];
        if (tf.engine().state.gradientDepth > 0) return differentiableGrad(dy, xs, gs);
        return tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x: xs, stats: st, gamma: gs }) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  return (x, ctx) => {
    if (ctx.training) return (tf.getBackend() === 'wasm' ? normaliseFused(x, gamma, beta) : normalise(x, gamma, beta)) as tf.Tensor4D;
    return tf.batchNorm(x, runningMean as tf.Tensor1D, runningVar as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon);
  };
}

/** A fully connected layer with bias. */
export function linearLayer(store: ParamStore, inF: number, outF: number): (x: tf.Tensor2D) => tf.Tensor2D {
  const bound = 1 / Math.sqrt(inF);
  const w = store.uniform('linear_w', [inF, outF], bound) as tf.Variable<tf.Rank.R2>;
  const b = store.uniform('linear_b', [outF], bound) as tf.Variable<tf.Rank.R1>;
  return (x) => tf.add(tf.matMul(x, w), b);
}
