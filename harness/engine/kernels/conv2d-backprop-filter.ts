/**
 * Conv2DBackpropFilter for the wasm backend, which has none: dW = im2col(x)ᵀ · dy.
 * The patches are gathered in JS on the heap; the product runs in XNNPACK's matmul. The big
 * matrices are never transposed in wasm (its Transpose and transposed-A matmul are slow): we
 * transpose dy (N·H·W × C_out, small) in JS and multiply dyᵀ · patches, then transpose the tiny
 * C_out × (kH·kW·C_in) result into the filter layout.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { allocate, callKernel, heap, release, reshaped, transpose2d, type TensorInfo } from './backend-ops.js';
import { convGeometry } from './conv-geometry.js';
import { im2colNHWC } from './im2col.js';

export function conv2dBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const g = convGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  const rows = g.batch * g.outH * g.outW;
  const cols = g.kH * g.kW * g.inC;
  const pointwise = g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0;

  let patches: TensorInfo;
  if (pointwise) {
    patches = reshaped(backend, x, [1, rows, cols]);
  } else {
    patches = allocate(backend, [1, rows, cols]);
    im2colNHWC(heap(backend, x), heap(backend, patches), g);
  }
  const dyT = transpose2d(backend, dy, rows, g.outC);
  const dyT3 = reshaped(backend, dyT, [1, g.outC, rows]);
  const product = callKernel(backend, 'BatchMatMul', { a: dyT3, b: patches }, { transposeA: false, transposeB: false });
  const dW = transpose2d(backend, product, g.outC, cols);
  release(backend, patches, dyT, dyT3, product);
  return { dataId: dW.dataId, shape: [g.kH, g.kW, g.inC, g.outC], dtype: 'float32' };
}

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
