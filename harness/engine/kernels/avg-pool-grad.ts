/**
 * AvgPoolGrad for the wasm backend, replacing its direct-loop kernel (~8× slower) for the two pools
 * NB201 uses. Average pooling excludes padding from the count (TF semantics), so each output's
 * gradient is dy/count spread over its window:
 * - stride 1: dx = depthwise-conv(dy ⊙ 1/count, ones) — XNNPACK;
 * - non-overlapping windows without padding (2×2 stride 2): dx = upsample(dy / k²) in JS.
 * Other geometries scatter dy/count in JS. The built-in kernels of wasm and cpu are not used there:
 * they divide by the full window size k² even where the window overlaps the padding, which is not
 * the gradient of their own forward pass (that one divides by the in-image count). The cpu backend
 * gets the JS version too ({@link avgPoolGradCpuConfig}) so both backends train the same network.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { backend_util, type AvgPoolGradAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { allocate, callKernel, heap, release, type TensorInfo } from './backend-ops.js';

/** Number of in-image positions in each output's window, per axis. */
function windowCounts(outSize: number, inSize: number, k: number, stride: number, padBefore: number): Float32Array {
  const counts = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padBefore;
    counts[o] = Math.min(inSize, start + k) - Math.max(0, start);
  }
  return counts;
}

/** The [1, OH, OW, C] map of 1/(rows[h]·cols[w]) (small: one image). */
function inverseCounts(backend: BackendWasm, OH: number, OW: number, C: number, rows: Float32Array, cols: Float32Array): TensorInfo {
  const map = allocate(backend, [1, OH, OW, C]);
  const m = heap(backend, map);
  for (let h = 0, i = 0; h < OH; h++) {
    for (let w = 0; w < OW; w++) {
      const inv = 1 / (rows[h]! * cols[w]!);
      for (let c = 0; c < C; c++) m[i++] = inv;
    }
  }
  return map;
}

function isPowerOfTwo(k: number): boolean {
  return k > 0 && (k & (k - 1)) === 0;
}

/** Which algorithm {@link avgPoolGradWasm} uses for a pool geometry (exposed for tests). */
export function avgPoolGradPath(info: backend_util.Conv2DInfo): 'depthwise-conv' | 'upsample' | 'scatter' {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: kH, filterWidth: kW, strideHeight: sH, strideWidth: sW } = info;
  if (sH === 1 && sW === 1 && OH === H && OW === W) return 'depthwise-conv';
  if (sH === kH && sW === kW && info.padInfo.top === 0 && info.padInfo.left === 0 && OH * kH === H && OW * kW === W) return 'upsample';
  return 'scatter';
}

export function avgPoolGradWasm(args: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  backend: BackendWasm;
  attrs: AvgPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: kH, filterWidth: kW } = info;
  const { top, left } = info.padInfo;
  const path = avgPoolGradPath(info);

  if (path === 'depthwise-conv') {
    const rows = windowCounts(OH, H, kH, 1, top);
    const cols = windowCounts(OW, W, kW, 1, left);
    // dy/count as one wasm Multiply by a [1, OH, OW, C] map of 1/count, broadcast over the batch
    // only (XNNPACK's fast path): a JS pass, or a [1, OH, OW, 1] map (a short inner broadcast),
    // cost as much as the depthwise conv itself.
    const inv = inverseCounts(backend, OH, OW, C, rows, cols);
    const scaled = callKernel(backend, 'Multiply', { a: dy, b: inv });
    release(backend, inv);
    const ones = allocate(backend, [kH, kW, C, 1]);
    heap(backend, ones).fill(1);
    // Flipping the window is a no-op for an all-ones filter, so the forward depthwise conv with the
    // pool's own padding is the transpose we need.
    const dx = callKernel(backend, 'DepthwiseConv2dNative', { x: scaled, filter: ones }, {
      strides: [1, 1],
      pad: [[0, 0], [kH - 1 - top, kH - 1 - (kH - 1 - top)], [kW - 1 - left, kW - 1 - (kW - 1 - left)], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    });
    release(backend, scaled, ones);
    return dx;
  }

  if (path === 'upsample' && isPowerOfTwo(kH) && isPowerOfTwo(kW)) {
    // dy·(1/k²) on the small side, then wasm's nearest-neighbour resize (C++, ~2× faster than the
    // JS loop below); with power-of-two factors both are exact: source row floor(h·(1/kH)) = ⌊h/kH⌋.
    const inv = allocate(backend, []);
    heap(backend, inv)[0] = 1 / (kH * kW);
    const scaled = callKernel(backend, 'Multiply', { a: dy, b: inv });
    const dx = callKernel(backend, 'ResizeNearestNeighbor', { images: scaled }, { alignCorners: false, halfPixelCenters: false, size: [H, W] });
    release(backend, inv, scaled);
    return dx;
  }

  if (path === 'upsample') {
    const dx = allocate(backend, [N, H, W, C]);
    const d = heap(backend, dy);
    const x = heap(backend, dx);
    const inv = 1 / (kH * kW);
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        const oh = Math.floor(h / kH);
        for (let w = 0; w < W; w++) {
          const src = ((n * OH + oh) * OW + Math.floor(w / kW)) * C;
          const dst = ((n * H + h) * W + w) * C;
          for (let c = 0; c < C; c++) x[dst + c] = d[src + c]! * inv;
        }
      }
    }
    return dx;
  }

  const dx = allocate(backend, [N, H, W, C]);
  scatterAvgPoolGrad(heap(backend, dy), heap(backend, dx), info);
  return dx;
}

/** dx[window(o)] += dy[o] / count(o) for every output o: any geometry. */
function scatterAvgPoolGrad(d: ArrayLike<number>, x: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: kH, filterWidth: kW, strideHeight: sH, strideWidth: sW } = info;
  const { top, left } = info.padInfo;
  x.fill(0);
  for (let n = 0, src = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(0, oh * sH - top);
      const h1 = Math.min(H, oh * sH - top + kH);
      for (let ow = 0; ow < OW; ow++, src += C) {
        const w0 = Math.max(0, ow * sW - left);
        const w1 = Math.min(W, ow * sW - left + kW);
        const inv = 1 / ((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const dst = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) x[dst + c] = x[dst + c]! + d[src + c]! * inv;
          }
        }
      }
    }
  }
}

/** AvgPoolGrad for the cpu backend: the JS scatter. */
export function avgPoolGradCpu(args: { inputs: { dy: TensorInfo; input: TensorInfo }; backend: MathBackendCPU; attrs: AvgPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const info = backend_util.computePool2DInfo(inputs.input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad);
  const dx = new Float32Array(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
  scatterAvgPoolGrad(backend.readSync(inputs.dy.dataId) as Float32Array, dx, info);
  return backend.makeTensorInfo(inputs.input.shape, 'float32', dx);
}

export const avgPoolGradCpuConfig: KernelConfig = {
  kernelName: 'AvgPoolGrad',
  backendName: 'cpu',
  kernelFunc: avgPoolGradCpu as unknown as KernelFunc,
};

export const avgPoolGradWasmConfig: KernelConfig = {
  kernelName: 'AvgPoolGrad',
  backendName: 'wasm',
  kernelFunc: avgPoolGradWasm as unknown as KernelFunc,
};
