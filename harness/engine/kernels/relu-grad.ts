/**
 * ReLU's input gradient as one wasm-backend launch: `NaspoisonReluGrad` {dy, x} → dy·step(x),
 * where tfjs's gradient launches Step, Cast and Multiply through the engine (three launches with
 * their bookkeeping per ReLU). Runs wasm's own Step and Multiply at the backend level (no tape,
 * no Cast), so the values are exactly tfjs's: step(x) is 1 for x > 0, 0 otherwise, NaN for NaN.
 * (A JS loop over the heap was ~4× slower than the two SIMD kernels together.)
 *
 * Only the wasm backend runs it (gradients.ts chooses, and keeps tfjs's differentiable formula
 * whenever the backward pass is itself recorded).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { callKernel, release, type TensorInfo } from './backend-ops.js';

export const RELU_GRAD = 'NaspoisonReluGrad';

export function reluGradWasm(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const mask = callKernel(backend, 'Step', { x: inputs.x }, { alpha: 0 });
  const dx = callKernel(backend, 'Multiply', { a: inputs.dy, b: mask });
  release(backend, mask);
  return dx;
}

export const reluGradWasmConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGradWasm as unknown as KernelFunc,
};
