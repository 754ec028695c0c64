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

/**
 * [N, P, C] → [C, P, Np] (Np ≥ N; entries n ≥ N are zeros). Position-outer, four channels per
 * pass: each output row segment of N values is written contiguously while the reads of one
 * position stay in cache (~2× faster than a batch-outer loop, whose writes sweep the whole output
 * once per image).
 */
function transposeBatchToLast(a: Float32Array, b: Float32Array, N: number, P: number, C: number, Np: number): void {
  const plane = P * Np;
  const step = P * C;
  const wide = C - (C % 4);
  for (let p = 0; p < P; p++) {
    const base = p * Np;
    for (let c = 0; c < wide; c += 4) {
      const d0 = c * plane + base;
      const d1 = d0 + plane;
      const d2 = d1 + plane;
      const d3 = d2 + plane;
      let s = p * C + c;
      for (let n = 0; n < N; n++, s += step) {
        b[d0 + n] = a[s]!;
        b[d1 + n] = a[s + 1]!;
        b[d2 + n] = a[s + 2]!;
        b[d3 + n] = a[s + 3]!;
      }
      for (let n = N; n < Np; n++) b[d0 + n] = b[d1 + n] = b[d2 + n] = b[d3 + n] = 0;
    }
    for (let c = wide; c < C; c++) {
      const d = c * plane + base;
      let s = p * C + c;
      for (let n = 0; n < N; n++, s += step) b[d + n] = a[s]!;
      for (let n = N; n < Np; n++) b[d + n] = 0;
    }
  }
}

/** [N, P, C] → [P, Np, C] (rows n ≥ N zeros), written sequentially, four channels at a time where C allows. */
function swapBatchAndPositions(a: Float32Array, b: Float32Array, N: number, P: number, C: number, Np: number): void {
  const step = P * C;
  const zeros = (Np - N) * C;
  let t = 0;
  if (C % 4 === 0) {
    for (let p = 0; p < P; p++) {
      for (let n = 0, s = p * C; n < N; n++, s += step) {
        for (let c = 0; c < C; c += 4, t += 4) {
          b[t] = a[s + c]!;
          b[t + 1] = a[s + c + 1]!;
          b[t + 2] = a[s + c + 2]!;
          b[t + 3] = a[s + c + 3]!;
        }
      }
      for (let z = 0; z < zeros; z++) b[t++] = 0;
    }
    return;
  }
  for (let p = 0; p < P; p++) {
    for (let n = 0, s = p * C; n < N; n++, s += step) {
      for (let c = 0; c < C; c++) b[t++] = a[s + c]!;
    }
    for (let z = 0; z < zeros; z++) b[t++] = 0;
  }
}

/**
 * Batch size of the swapped conv: N, or N + 1 (a zero image) when the filter's reduction length
 * H_out·W_out·N is a multiple of 1024 floats. tfjs transposes a new filter [K, C_out] → [C_out, K]
 * before XNNPACK packs it, and with a 4 KiB-multiple row stride those C_out write streams collide
 * in the cache: the operator creation for the 4×4×32 layer took 0.7 ms at N = 64 and 0.1 ms at 65.
 */
export function swappedBatch(N: number, outH: number, outW: number): number {
  return (outH * outW * N) % 1024 === 0 ? N + 1 : N;
}

function viaSwappedConv(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const { batch: N, inH, inW, inC, outH, outW, outC, kH, kW } = g;
  const hw = inH * inW;
  const Np = swappedBatch(N, outH, outW);
  const xT = allocate(backend, [inC, inH, inW, Np]);
  const dyT = allocate(backend, [outH, outW, Np, outC]);
  transposeBatchToLast(heap(backend, x), heap(backend, xT), N, hw, inC, Np);
  swapBatchAndPositions(heap(backend, dy), heap(backend, dyT), N, outH * outW, outC, Np);
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

/**
 * Stride 1, the other way round: dW as a conv of dy — input dyᵀ [C_out, H_out, W_out, N] — with
 * xᵀ [H, W, N, C_in] as the filter, for layers whose x is smaller than dy (the stem, with C_in = 1;
 * 1×1 shortcuts after the pool): the new filter XNNPACK must pack each call is then the small one.
 * out[co, i, j, ci] = Σ dyᵀpad[co, i + u, j + v, n]·xᵀ[u, v, n, ci] with dy padded by kH − 1 − padTop
 * above, so out[co, kH − 1 − kh, kW − 1 − kw, ci] = dW[kh, kw, ci, co].
 */
function viaFlippedConv(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const xT = flippedFilter(backend, x);
  const dW = flippedConvWithFilter(backend, xT, dy, g);
  release(backend, xT);
  return dW;
}

/** x [N, H, W, C] → the flipped conv's filter xᵀ [H, W, Np, C] (Np from {@link swappedBatch}). */
function flippedFilter(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const Np = swappedBatch(N, H, W);
  const xT = allocate(backend, [H, W, Np, C]);
  swapBatchAndPositions(heap(backend, x), heap(backend, xT), N, H * W, C, Np);
  return xT;
}

/** Whether the flipped conv can express a geometry (stride 1, paddings it can reproduce). */
export function flippedConvFits(g: ConvGeometry): boolean {
  return (
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.kH - 1 - g.padTop >= 0 &&
    g.inH + g.padTop - g.outH >= 0 &&
    g.kW - 1 - g.padLeft >= 0 &&
    g.inW + g.padLeft - g.outW >= 0
  );
}

function flippedConvWithFilter(backend: BackendWasm, xT: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const { batch: N, inH, inW, inC, outH, outW, outC, kH, kW } = g;
  const Np = xT.shape[2]!;
  const dyT = allocate(backend, [outC, outH, outW, Np]);
  transposeBatchToLast(heap(backend, dy), heap(backend, dyT), N, outH * outW, outC, Np);
  const flipped = callKernel(backend, 'Conv2D', { x: dyT, filter: xT }, {
    strides: [1, 1],
    pad: [[0, 0], [kH - 1 - g.padTop, inH + g.padTop - outH], [kW - 1 - g.padLeft, inW + g.padLeft - outW], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined,
  });
  // flipped: [C_out, kH, kW, C_in], spatially reversed → dW: [kH, kW, C_in, C_out]
  const dW = allocate(backend, [kH, kW, inC, outC]);
  const f = heap(backend, flipped);
  const w = heap(backend, dW);
  for (let co = 0; co < outC; co++) {
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const src = ((co * kH + (kH - 1 - kh)) * kW + (kW - 1 - kw)) * inC;
        const dst = (kh * kW + kw) * inC * outC + co;
        for (let ci = 0; ci < inC; ci++) w[dst + ci * outC] = f[src + ci]!;
      }
    }
  }
  release(backend, dyT, flipped);
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
export function backpropFilterPath(g: ConvGeometry): 'swapped-conv' | 'flipped-conv' | 'im2col' {
  if (flippedConvFits(g) && g.inH * g.inW * g.inC < g.outH * g.outW * g.outC) return 'flipped-conv';
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
  const path = attrs.forceIm2col === true ? 'im2col' : backpropFilterPath(g);
  if (path === 'im2col') return viaIm2col(backend, inputs.x, inputs.dy, g);
  if (path === 'flipped-conv') return viaFlippedConv(backend, inputs.x, inputs.dy, g);
  return viaSwappedConv(backend, inputs.x, inputs.dy, g);
}

/**
 * Sharing the flipped conv's filter between layers that read the same input (the ReLU-Conv-BN ops
 * on one cell node): `NaspoisonFlippedFilter` {x} → xᵀ once per node, then
 * `NaspoisonConv2DBackpropFilterFlipped` {xT, dy} per layer (attrs of Conv2DBackpropFilter plus the
 * input shape; stride 1, see {@link flippedConvFits}). tfjs caches XNNPACK's packed operator by
 * filter id and conv geometry, so every layer after the first with the same geometry skips the
 * transpose of x and the packing (~0.6 ms at 64×16×16×8). Wasm only; nn.ts chooses.
 */
export const FLIPPED_FILTER = 'NaspoisonFlippedFilter';
export const CONV2D_BACKPROP_FILTER_FLIPPED = 'NaspoisonConv2DBackpropFilterFlipped';

export function flippedFilterWasm(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  return flippedFilter(args.backend, args.inputs.x);
}

export function conv2dBackpropFilterFlippedWasm(args: {
  inputs: { xT: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs & { inputShape: number[] };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const g = convGeometry(attrs.inputShape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
  if (!flippedConvFits(g)) throw new Error('NaspoisonConv2DBackpropFilterFlipped: geometry needs stride 1 and paddings the flipped conv can express');
  return flippedConvWithFilter(backend, inputs.xT, inputs.dy, g);
}

export const flippedFilterWasmConfig: KernelConfig = {
  kernelName: FLIPPED_FILTER,
  backendName: 'wasm',
  kernelFunc: flippedFilterWasm as unknown as KernelFunc,
};

export const conv2dBackpropFilterFlippedWasmConfig: KernelConfig = {
  kernelName: CONV2D_BACKPROP_FILTER_FLIPPED,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterFlippedWasm as unknown as KernelFunc,
};

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
