/**
 * Identity for the wasm backend without a copy: tfjs clones every tensor a gradient saves for the
 * backward pass (~200 per NB201 step), and wasm's built-in Identity memcpys each one. Sharing the
 * buffer by reference count is what wasm's own Reshape does; no wasm kernel writes into its inputs.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { TensorInfo } from './backend-ops.js';

export function identityWasm(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') throw new Error('Identity: string tensors are not supported by naspoison kernels');
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityWasmConfig: KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identityWasm as unknown as KernelFunc,
};
