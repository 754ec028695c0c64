/**
 * The NAS-Bench-201 macro skeleton shared by single networks and the supernet: 3×3 conv stem + BN;
 * three stages of N cells at C, 2C, 4C channels joined by stride-2 residual blocks; BN → ReLU →
 * global average pool → linear.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormLayer, conv2dLayer, linearLayer, reluActivation, type ForwardContext, type ParamStore } from '../engine/nn.js';
import { residualReductionBlock, type Layer } from './operations.js';

/** Size of a network built on the NB201 skeleton. */
export interface MacroConfig {
  /** Channels of the first stage (NB201: 16). */
  channels: number;
  /** Cells per stage (NB201: 5). */
  cellsPerStage: number;
  /** Input image channels (1 for Fashion-MNIST, 3 for CIFAR). */
  inputChannels: number;
  numClasses: number;
}

/** Builds one cell for a stage: its channel count and its global cell index. */
export type CellFactory = (channels: number, cellIndex: number) => Layer;

/** A network on the skeleton: logits from NHWC images. */
export type MacroForward = (x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor2D;

export function buildMacro(store: ParamStore, config: MacroConfig, makeCell: CellFactory): MacroForward {
  const { channels: C, cellsPerStage, inputChannels, numClasses } = config;
  if (!Number.isInteger(C) || C < 1) throw new Error(`macro: channels must be a positive integer, got ${C}`);
  if (!Number.isInteger(cellsPerStage) || cellsPerStage < 1) {
    throw new Error(`macro: cellsPerStage must be a positive integer, got ${cellsPerStage}`);
  }
  const stemConv = conv2dLayer(store, inputChannels, C, 3, 1, 1);
  const stemBn = batchNormLayer(store, C);
  const layers: Layer[] = [];
  let cellIndex = 0;
  const widths = [C, 2 * C, 4 * C];
  widths.forEach((width, stage) => {
    if (stage > 0) layers.push(residualReductionBlock(store, widths[stage - 1]!, width));
    for (let i = 0; i < cellsPerStage; i++) layers.push(makeCell(width, cellIndex++));
  });
  const lastBn = batchNormLayer(store, 4 * C);
  const classifier = linearLayer(store, 4 * C, numClasses);
  return (x, ctx) => {
    let h = stemBn(stemConv(x), ctx);
    for (const layer of layers) h = layer(h, ctx);
    const pooled = tf.mean(reluActivation(lastBn(h, ctx), ctx), [1, 2]) as tf.Tensor2D;
    return classifier(pooled);
  };
}
