/**
 * Registers naspoison's kernels: those the wasm backend lacks for training, and faster
 * replacements for slow ones. Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGradWasmConfig, captureBuiltInAvgPoolGrad } from './avg-pool-grad.js';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { identityWasmConfig } from './identity.js';

export const WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterWasmConfig,
  conv2dBackpropInputWasmConfig,
  avgPoolGradWasmConfig,
  identityWasmConfig,
];

let registered = false;

/** Installs {@link WASM_KERNELS}, replacing any built-in kernel of the same name. */
export function registerWasmKernels(): void {
  if (registered) return;
  captureBuiltInAvgPoolGrad(tf.getKernel('AvgPoolGrad', 'wasm')?.kernelFunc);
  for (const config of WASM_KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
  registered = true;
}
