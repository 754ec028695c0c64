/**
 * Registers naspoison's kernels: those the wasm backend lacks for training, faster replacements
 * for slow ones, a cpu AvgPoolGrad that matches its forward pass (see avg-pool-grad.ts), and the
 * optimiser updates of wasm and cpu (optimizer-updates.ts).
 * Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGradCpuConfig, avgPoolGradWasmConfig } from './avg-pool-grad.js';
import { batchNormGradWasmConfig, batchNormTrainWasmConfig } from './batch-norm.js';
import { conv2dBackpropFilterFlippedWasmConfig, conv2dBackpropFilterWasmConfig, flippedFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { identityWasmConfig } from './identity.js';
import { OPTIMIZER_KERNELS } from './optimizer-updates.js';
import { reluGradWasmConfig } from './relu-grad.js';

export const WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterWasmConfig,
  conv2dBackpropInputWasmConfig,
  avgPoolGradWasmConfig,
  identityWasmConfig,
  batchNormTrainWasmConfig,
  batchNormGradWasmConfig,
  reluGradWasmConfig,
  flippedFilterWasmConfig,
  conv2dBackpropFilterFlippedWasmConfig,
];

/** Replacements of cpu kernels whose results are wrong. */
export const CPU_KERNELS: readonly tf.KernelConfig[] = [avgPoolGradCpuConfig];

let registered = false;

/** Installs {@link WASM_KERNELS}, {@link CPU_KERNELS} and the optimiser kernels, replacing any built-in kernel of the same name. */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const config of [...WASM_KERNELS, ...CPU_KERNELS, ...OPTIMIZER_KERNELS]) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
  registered = true;
}
