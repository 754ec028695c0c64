/**
 * Networks and batches for the proxies' tests: a one-conv network built from the engine's layers
 * (conv 3×3 → batch norm → ReLU → global average pool → linear) with a float64 JS twin of its
 * forward pass, a linear network whose metrics have closed forms, and small NB201 networks.
 * Not part of the public entry.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormLayer, conv2dLayer, linearLayer, ParamStore, reluActivation, type ForwardContext } from '../engine/nn.js';
import { Rng } from '../engine/rng.js';
import { conv2dRef, geometryOf } from '../engine/test-utils.js';
import { genotypeFromString } from '../space/genotype.js';
import { buildNetwork, type Network } from '../space/network.js';
import type { ProxyBatch, ProxyNetwork } from './types.js';

/** Sizes of {@link buildTinyConvNet}. */
export interface TinyShape {
  n: number;
  h: number;
  w: number;
  inC: number;
  /** Channels of the conv (and of the one ReLU site). */
  c: number;
  /** Classes. */
  k: number;
}

/** Batch-norm epsilon of engine/nn.ts's default. */
const BN_EPSILON = 1e-5;

/** Offsets of each parameter block in the flat θ of {@link TinyConvNet} (store order). */
export function tinyLayout(s: TinyShape): { conv: number; gamma: number; beta: number; linW: number; linB: number; size: number } {
  const conv = 0;
  const gamma = conv + 9 * s.inC * s.c;
  const beta = gamma + s.c;
  const linW = beta + s.c;
  const linB = linW + s.c * s.k;
  return { conv, gamma, beta, linW, linB, size: linB + s.k };
}

/** What the float64 forward pass can be asked to do besides computing logits. */
export interface Forward64Options {
  training: boolean;
  /** Multiplier of each ReLU output channel per sample (n·c values; fisher's m). */
  mask?: Float64Array;
  /** Receives the ReLU output (n·h·w·c, NHWC). */
  onRelu?: (a: Float64Array) => void;
  /** Running statistics for evaluation mode (default: PyTorch's init, mean 0 and variance 1). */
  runningMean?: Float64Array;
  runningVar?: Float64Array;
}

/** The one-conv network and its float64 twin. */
export interface TinyConvNet extends ProxyNetwork {
  readonly shape: TinyShape;
  /** The weights as one flat float64 vector in store order (conv, γ, β, linear W, linear b). */
  theta(): Promise<Float64Array>;
  /** Logits (n·k) of the same network in float64 at parameters θ and input x (NHWC). */
  forward64(theta: Float64Array, x: Float64Array, options: Forward64Options): Float64Array;
  dispose(): void;
}

/**
 * conv 3×3 (pad 1, no bias) → BN → ReLU (through the activation hook) → global average pool →
 * linear, from engine/nn.ts's layers, so the custom conv and batch-norm kernels (fused on wasm) are
 * what the tests differentiate. γ and β are set to random values so that they matter.
 */
export function buildTinyConvNet(shape: TinyShape, seed: number): TinyConvNet {
  const rng = new Rng(seed);
  const params = new ParamStore(rng.child('weights'));
  const conv = conv2dLayer(params, shape.inC, shape.c, 3, 1, 1);
  const bn = batchNormLayer(params, shape.c);
  const linear = linearLayer(params, shape.c, shape.k);
  const [, gamma, beta] = params.weights as [tf.Variable, tf.Variable, tf.Variable];
  const affine = rng.child('affine');
  gamma.assign(tf.tensor1d(Array.from({ length: shape.c }, () => 0.5 + affine.uniform())));
  beta.assign(tf.tensor1d(Array.from({ length: shape.c }, () => 0.4 * (affine.uniform() - 0.5))));
  const forward = (x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D => linear(tf.mean(reluActivation(bn(conv(x), ctx), ctx), [1, 2]) as tf.Tensor2D);

  const layout = tinyLayout(shape);
  const forward64 = (theta: Float64Array, x: Float64Array, options: Forward64Options): Float64Array => {
    const { h, w, inC, c, k } = shape;
    const n = x.length / (h * w * inC);
    const g = geometryOf([n, h, w, inC], [3, 3, inC, c], 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const z = conv2dRef(x, theta.subarray(layout.conv, layout.gamma), g);
    const count = n * h * w;
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    if (options.training) {
      for (let i = 0; i < count; i++) for (let ch = 0; ch < c; ch++) mean[ch] = mean[ch]! + z[i * c + ch]! / count;
      for (let i = 0; i < count; i++) for (let ch = 0; ch < c; ch++) variance[ch] = variance[ch]! + (z[i * c + ch]! - mean[ch]!) ** 2 / count;
    } else {
      for (let ch = 0; ch < c; ch++) {
        mean[ch] = options.runningMean?.[ch] ?? 0;
        variance[ch] = options.runningVar?.[ch] ?? 1;
      }
    }
    const a = new Float64Array(z.length);
    for (let i = 0; i < count; i++) {
      for (let ch = 0; ch < c; ch++) {
        const y = ((z[i * c + ch]! - mean[ch]!) / Math.sqrt(variance[ch]! + BN_EPSILON)) * theta[layout.gamma + ch]! + theta[layout.beta + ch]!;
        a[i * c + ch] = Math.max(y, 0);
      }
    }
    options.onRelu?.(a);
    const logits = new Float64Array(n * k);
    for (let s = 0; s < n; s++) {
      for (let ch = 0; ch < c; ch++) {
        let pooled = 0;
        for (let p = 0; p < h * w; p++) pooled += a[(s * h * w + p) * c + ch]!;
        pooled /= h * w;
        if (options.mask) pooled *= options.mask[s * c + ch]!;
        for (let j = 0; j < k; j++) logits[s * k + j] = logits[s * k + j]! + pooled * theta[layout.linW + ch * k + j]!;
      }
      for (let j = 0; j < k; j++) logits[s * k + j] = logits[s * k + j]! + theta[layout.linB + j]!;
    }
    return logits;
  };

  return {
    params,
    shape,
    forward,
    forward64,
    async theta() {
      const parts = await Promise.all(params.weights.map(async (v) => Float64Array.from((await v.data()) as Float32Array)));
      const out = new Float64Array(layout.size);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
    dispose: () => params.dispose(),
  };
}

/** Mean softmax cross-entropy of float64 logits (n·k) against labels. */
export function crossEntropy64(logits: Float64Array, labels: ArrayLike<number>, k: number): number {
  const n = logits.length / k;
  let total = 0;
  for (let s = 0; s < n; s++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[s * k + j]!);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[s * k + j]! - max);
    total += max + Math.log(sum) - logits[s * k + labels[s]!]!;
  }
  return total / n;
}

/** A linear network on flattened images, f(x) = flatten(x)·W + b; W and b drawn from `seed`. */
export function buildLinearNet(inputSize: number, classes: number, seed: number): ProxyNetwork & { dispose(): void } {
  const params = new ParamStore(new Rng(seed));
  const linear = linearLayer(params, inputSize, classes);
  return {
    params,
    forward: (x) => linear(tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D),
    dispose: () => params.dispose(),
  };
}

/** Float32 NHWC images with values drawn from `seed` (uniform in [0, 1]). */
export function randomImages(n: number, h: number, w: number, c: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * h * w * c }, () => rng.uniform());
}

/** Labels drawn from `seed`. */
export function randomLabels(n: number, classes: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(classes));
}

/** A batch owning its image tensor. */
export function makeBatch(images: Float32Array, shape: [number, number, number, number], labels: Int32Array, numClasses: number): ProxyBatch & { dispose(): void } {
  const x = tf.tensor4d(images, shape);
  return { x, labels, numClasses, dispose: () => x.dispose() };
}

/**
 * The same batch with a `labels` that throws when read: a label-free metric must never touch it.
 */
export function unlabelledBatch(batch: ProxyBatch): ProxyBatch {
  return {
    x: batch.x,
    numClasses: batch.numClasses,
    get labels(): Int32Array {
      throw new Error('a label-free metric read batch.labels');
    },
  };
}

/** NB201 cell with every op kind (conv 3×3, conv 1×1, pool, skip, none) used in the tests. */
export const TEST_GENOTYPE = '|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|';

/** An NB201 network of {@link TEST_GENOTYPE}: 1 cell per stage, `channels` wide. */
export function buildTestNb201(channels: number, inputChannels: number, numClasses: number, seed: number, genotype = TEST_GENOTYPE): Network {
  return buildNetwork(genotypeFromString(genotype), { channels, cellsPerStage: 1, inputChannels, numClasses }, new Rng(seed));
}

/**
 * The change in tf.memory().numTensors across one call of `fn`, after a first call that fills the
 * engine's kept per-backend caches (channelMean's averaging row per batch size, device scalars).
 */
export async function tensorsLeftBehind(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}

/** Every weight and state variable's values (to check that a metric leaves a network as it was). */
export async function variableValues(network: ProxyNetwork): Promise<Float32Array[]> {
  return Promise.all([...network.params.weights, ...network.params.state].map(async (v) => Float32Array.from((await v.data()) as Float32Array)));
}
