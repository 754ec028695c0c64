/**
 * TF.js builders of the NAS-Bench-201 candidate operations and the residual reduction block,
 * matching the authors' PyTorch modules (ReLUConvBN, POOLING with count_include_pad=False,
 * ResNetBasicblock).
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormLayer, conv2dLayer, reluActivation, sharedConvInput, type ForwardContext, type ParamStore } from '../engine/nn.js';
import type { Nb201Op } from './ops.js';

/**
 * A layer of the network: NHWC in, NHWC out. Layers that begin with a ReLU (ReLU → Conv → BN) also
 * expose the rest of themselves as `afterRelu`, so a cell can compute relu(node) once for all the
 * ops that read the node ({@link applyLayer}), and hand them the conv input prepared once for
 * their weight gradients (`shared`, see sharedConvInput in engine/nn.ts).
 */
export type Layer = ((x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor4D) & {
  afterRelu?: (rx: tf.Tensor4D, ctx: ForwardContext, shared?: tf.Tensor4D) => tf.Tensor4D;
};

/** Per forward pass of one cell: relu(node), and its shared conv input, by node. */
export type ReluCache = Map<tf.Tensor4D, { rx: tf.Tensor4D; shared?: tf.Tensor4D }>;

/**
 * Applies `layer` to `x`, taking relu(x) from `relus` (or computing and storing it there) when the
 * layer starts with a ReLU. `readers` is the number of such layers that read `x` in this cell: with
 * two or more, training passes also share the conv input of their weight gradients. `relus` must
 * live for one forward pass of one cell only, so every use is recorded on the same tape.
 */
export function applyLayer(layer: Layer, x: tf.Tensor4D, ctx: ForwardContext, relus: ReluCache, readers = 1): tf.Tensor4D {
  if (layer.afterRelu === undefined) return layer(x, ctx);
  let entry = relus.get(x);
  if (entry === undefined) {
    const rx = reluActivation(x, ctx);
    entry = { rx, shared: ctx.training && readers >= 2 ? sharedConvInput(rx) : undefined };
    relus.set(x, entry);
  }
  return layer.afterRelu(entry.rx, ctx, entry.shared);
}

/** ReLU → Conv(k, stride, pad) → BN. */
export function reluConvBn(
  store: ParamStore,
  inC: number,
  outC: number,
  kernel: number,
  stride: number,
  padding: number,
  affine: boolean,
): Layer {
  const conv = conv2dLayer(store, inC, outC, kernel, stride, padding);
  const bn = batchNormLayer(store, outC, { affine });
  const afterRelu = (rx: tf.Tensor4D, ctx: ForwardContext, shared?: tf.Tensor4D): tf.Tensor4D => bn(conv(rx, shared), ctx);
  return Object.assign((x: tf.Tensor4D, ctx: ForwardContext) => afterRelu(reluActivation(x, ctx), ctx), { afterRelu });
}

/**
 * Builds one candidate operation on C channels (stride 1, as inside a cell). `none` returns
 * undefined: callers leave it out of sums instead of adding zeros.
 */
export function buildOperation(store: ParamStore, op: Nb201Op, channels: number, affine: boolean): Layer | undefined {
  switch (op) {
    case 'none':
      return undefined;
    case 'skip_connect':
      return (x) => x;
    case 'nor_conv_1x1':
      return reluConvBn(store, channels, channels, 1, 1, 0, affine);
    case 'nor_conv_3x3':
      return reluConvBn(store, channels, channels, 3, 1, 1, affine);
    case 'avg_pool_3x3':
      // TF's 'same' average pool excludes padding from the count, like count_include_pad=False.
      return (x) => tf.avgPool(x, 3, 1, 'same');
  }
}

/** NB201's ResNetBasicblock: out = shortcut(x) + convB(convA(x)), convA strided by 2. */
export function residualReductionBlock(store: ParamStore, inC: number, outC: number): Layer {
  const convA = reluConvBn(store, inC, outC, 3, 2, 1, true);
  const convB = reluConvBn(store, outC, outC, 3, 1, 1, true);
  const shortcutConv = conv2dLayer(store, inC, outC, 1, 1, 0);
  return (x, ctx) => tf.add(shortcutConv(tf.avgPool(x, 2, 2, 'valid')), convB(convA(x, ctx), ctx));
}

/** Sums the defined terms; zeros of `like`'s shape when there are none (a node with only `none` inputs). */
export function sumTerms(terms: tf.Tensor4D[], like: tf.Tensor4D): tf.Tensor4D {
  if (terms.length === 0) return tf.zerosLike(like);
  if (terms.length === 1) return terms[0]!;
  return tf.addN(terms);
}
