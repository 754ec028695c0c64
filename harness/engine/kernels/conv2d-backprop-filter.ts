/**
 * Conv2DBackpropFilter for the wasm backend, which has none.
 *
 * Fast path: dW is itself a convolution with batch and channels swapped — input xᵀ
 * [C_in, H, W, N], filter dyᵀ [H_out, W_out, N, C_out] dilated by the forward stride — so it runs in
 * XNNPACK's conv, after two cheap JS transposes (~2.5× faster than im2col + matmul here).
 * Fallback (padding the fast path cannot express): im2col in JS, then dyᵀ · patches in XNNPACK's
 * matmul; never wasm's Transpose or transposed-A matmul, which are ~10× slower.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { allocate, callKernel, heap, release, reshaped, transpose2d, type TensorInfo } from './backend-ops.js';
import { convGeometry, type ConvGeometry } from './conv-geometry.js';
import { im2colNHWC } from './im2col.js';

/** Rows and columns the swapped convolution must not read: the forward conv never reached them. */
function unusedTail(g: ConvGeometry): { bottom: number; right: number } {
  return {
    bottom: g.inH + g.padTop + g.padBottom - g.kH - (g.outH - 1) * g.strideH,
    right: g.inW + g.padLeft + g.padRight - g.kW - (g.outW - 1) * g.strideW,
  };
}

function viaSwappedConv(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const { batch: N, inH, inW, inC, outH, outW, outC, kH, kW } = g;
  const hw = inH * inW;
  const xT = allocate(backend, [inC, inH, inW, N]);
  const dyT = allocate(backend, [outH, outW, N, outC]);
  {
    const a = heap(backend, x);
    const b = heap(backend, xT);
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < hw; p++) {
        const s = (n * hw + p) * inC;
        for (let c = 0; c < inC; c++) b[(c * hw + p) * N + n] = a[s + c]!;
      }
    }
    const ohw = outH * outW;
    const d = heap(backend, dy);
    const e = heap(backend, dyT);
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < ohw; p++) {
        const s = (n * ohw + p) * outC;
        const t = (p * N + n) * outC;
        for (let c = 0; c < outC; c++) e[t + c] = d[s + c]!;
      }
    }
  }
  const tail = unusedTail(g);
  const swapped = callKernel(backend, 'Conv2D', { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad: [[0, 0], [g.padTop, g.padBottom - tail.bottom], [g.padLeft, g.padRight - tail.right], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [g.strideH, g.strideW],
    dimRoundingMode: undefined,
  });
  // swapped: [C_in, kH, kW, C_out] → dW: [kH, kW, C_in, C_out]
  const dW = allocate(backend, [kH, kW, inC, outC]);
  const s = heap(backend, swapped);
  const w = heap(backend, dW);
  const taps = kH * kW;
  for (let c = 0; c < inC; c++) {
    for (let t = 0; t < taps; t++) w.set(s.subarray((c * taps + t) * outC, (c * taps + t + 1) * outC), (t * inC + c) * outC);
  }
  release(backend, xT, dyT, swapped);
  return dW;
}

function viaIm2col(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const rows = g.batch * g.outH * g.outW;
  const cols = g.kH * g.kW * g.inC;
  const patches = allocate(backend, [1, rows, cols]);
  im2colNHWC(heap(backend, x), heap(backend, patches), g);
  const dyT = transpose2d(backend, dy, rows, g.outC);
  const dyT3 = reshaped(backend, dyT, [1, g.outC, rows]);
  const product = callKernel(backend, 'BatchMatMul', { a: dyT3, b: patches }, { transposeA: false, transposeB: false });
  const dW = transpose2d(backend, product, g.outC, cols);
  release(backend, patches, dyT, dyT3, product);
  return { dataId: dW.dataId, shape: [g.kH, g.kW, g.inC, g.outC], dtype: 'float32' };
}

/** Which algorithm {@link conv2dBackpropFilterWasm} uses for a geometry (exposed for tests). */
export function backpropFilterPath(g: ConvGeometry): 'swapped-conv' | 'im2col' {
  const tail = unusedTail(g);
  return tail.bottom <= g.padBottom && tail.right <= g.padRight ? 'swapped-conv' : 'im2col';
}

export function conv2dBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs & { forceIm2col?: boolean };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const g = convGeometry(inputs.x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  if (attrs.forceIm2col === true || backpropFilterPath(g) === 'im2col') return viaIm2col(backend, inputs.x, inputs.dy, g);
  return viaSwappedConv(backend, inputs.x, inputs.dy, g);
}

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
