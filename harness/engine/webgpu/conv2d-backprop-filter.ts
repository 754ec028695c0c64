/**
 * Conv2DBackpropFilter (the weight gradient dW) as an implicit GEMM of existing kernels.
 *
 * tfjs-backend-webgpu 4.22's kernel (conv_backprop_webgpu.js, `Conv2DDerFilterProgram`) runs one
 * invocation per filter element, each looping serially over batch × output rows × output columns:
 * a 3×3×16×16 filter is 2,304 invocations (a few dozen workgroups on a 132-SM GPU), each summing
 * 262,144 products at the paper's evaluation size (batch 256, 32×32). On the H200 it took 1,935 of
 * the step's 1,978 ms of GPU time. The reduction over batch × space has to run in parallel, which
 * webgpu's matrix multiply already does: for a long inner dimension and a small output
 * (BatchMatMul_impl.js picks `MatMulSplitKProgram` when batch = 1, the 32×32-tile count is ≤ 8 and
 * the inner size ≥ 2,000) it splits K into chunks of 128 across workgroups and adds the partial
 * tiles atomically.
 *
 * With M = N·OH·OW output positions, T = kH·kW filter taps and the patches matrix P [M, Cin·T]:
 *   dW'[ci·T + t, co] = Σ_m P[m, ci·T + t] · dy[m, co]        (one BatchMatMul with transposeA)
 *   dW[t, ci, co]     = dW'[ci·T + t, co]                       (a transpose of the small result)
 * P comes from one DepthwiseConv2dNative of x with a constant one-hot filter [kH, kW, Cin, T]
 * (channel multiplier T: output channel ci·T + t is input channel ci at tap t), which applies the
 * conv's own strides and padding, so stride 2 and explicit padding need no special case.
 *
 * Why one im2col and one matmul rather than a matmul per tap: per tap is T strided slices of the
 * input, T split-K matmuls (each with its zero fill) and a stack, ~4·T launches (37 for 3×3) that
 * together read the same bytes; the im2col form is four launches (depthwise, fill, matmul,
 * transpose) and one pass of the reduction. It costs M·Cin·T floats of transient memory — 38 MB at
 * the paper's search size (batch 64, 32×32, C = 16), 151 MB at its evaluation size (batch 256) —
 * so the batch is split into chunks whose patches fit in one storage-buffer binding
 * (`maxPatchBytes`, the device's maxStorageBufferBindingSize on webgpu), their partial dW' summed.
 * A 1×1 stride-1 unpadded conv needs no patches at all: dW = xᵀ·dy directly.
 *
 * Supported: NHWC, T ≤ 9 (1×1, 3×3 and smaller windows), strides ≤ 2 — every conv of NB201 (3×3
 * stride 1 pad 1, 1×1, the residual block's 3×3 stride 2 pad 1 and its 1×1 shortcut). Anything else
 * runs the original kernel (`fallback`).
 *
 * The other conv gradients of tfjs-backend-webgpu, read but not replaced:
 * - Conv2DBackpropInput (dx): `Conv2DDerInputProgram` (WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE is on by
 *   default) runs one invocation per dx element × 4 channels × 2 columns, each looping over the
 *   kH·kW·Cout window only: parallel over the large side, 10.5 ms per paper-scale step on the H200.
 *   Not slow in the same way; left alone.
 * - DepthwiseConv2dNativeBackpropFilter (`DepthwiseConv2DDerFilterProgram`) has exactly the serial
 *   per-filter-element loop of `Conv2DDerFilterProgram` and would be as slow, but NB201 trains no
 *   depthwise conv; left alone (the same composition with a reduce over space would fix it).
 *
 * @module
 */
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelFunc } from '@tensorflow/tfjs-core';
import { asComposeBackend, cachedConstant, callKernel, release, reshape, type BackendKernel, type ComposeBackend, type TensorInfo } from './compose.js';

/** Largest window (kH·kW) handled; larger ones take the fallback. */
export const MAX_TAPS = 9;
/** Largest stride handled; larger ones take the fallback. */
export const MAX_STRIDE = 2;

/** How a Conv2DBackpropFilter call is computed (exposed for tests and the GPU benchmark). */
export type DwPlan =
  | { kind: 'fallback'; reason: string }
  | { kind: 'pointwise'; info: backend_util.Conv2DInfo }
  | { kind: 'im2col'; info: backend_util.Conv2DInfo; taps: number; imagesPerChunk: number };

/** The conv geometry of a Conv2DBackpropFilter call, resolved as tfjs's kernels resolve it. */
export function dwInfo(xShape: readonly number[], attrs: Conv2DBackpropFilterAttrs): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    attrs.filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

/** Chooses the computation for one call; `maxPatchBytes` bounds one chunk's patch matrix. */
export function planConv2DBackpropFilter(xShape: readonly number[], attrs: Conv2DBackpropFilterAttrs, maxPatchBytes: number): DwPlan {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return { kind: 'fallback', reason: `dataFormat ${attrs.dataFormat}` };
  const info = dwInfo(xShape, attrs);
  const taps = info.filterHeight * info.filterWidth;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return { kind: 'fallback', reason: 'dilated' };
  if (taps > MAX_TAPS) return { kind: 'fallback', reason: `${info.filterHeight}×${info.filterWidth} window` };
  if (info.strideHeight > MAX_STRIDE || info.strideWidth > MAX_STRIDE) return { kind: 'fallback', reason: `stride ${info.strideHeight}×${info.strideWidth}` };
  const { top, bottom, left, right } = info.padInfo;
  if (taps === 1 && info.strideHeight === 1 && info.strideWidth === 1 && top + bottom + left + right === 0) return { kind: 'pointwise', info };
  const bytesPerImage = info.outHeight * info.outWidth * info.inChannels * taps * 4;
  if (bytesPerImage > maxPatchBytes) return { kind: 'fallback', reason: `one image's patches (${bytesPerImage} bytes) exceed ${maxPatchBytes} bytes` };
  const imagesPerChunk = Math.min(info.batchSize, Math.floor(maxPatchBytes / bytesPerImage));
  return { kind: 'im2col', info, taps, imagesPerChunk };
}

/** The one-hot depthwise filter [kH, kW, Cin, T]: W[r, c, ci, t] = 1 iff t = r·kW + c. */
export function oneHotFilter(kH: number, kW: number, inC: number): Float32Array {
  const taps = kH * kW;
  const w = new Float32Array(taps * inC * taps);
  for (let t = 0; t < taps; t++) {
    for (let ci = 0; ci < inC; ci++) w[(t * inC + ci) * taps + t] = 1;
  }
  return w;
}

/** dW' [Cin·T, Cout] of images [n0, n1): depthwise one-hot patches, then Pᵀ·dy. */
function partialDw(backendName: string, backend: ComposeBackend, x: TensorInfo, dy: TensorInfo, plan: Extract<DwPlan, { kind: 'im2col' }>, attrs: Conv2DBackpropFilterAttrs, n0: number, n1: number): TensorInfo {
  const { info, taps } = plan;
  const whole = n0 === 0 && n1 === info.batchSize;
  const n = n1 - n0;
  const xs = whole ? x : callKernel(backendName, backend, 'Slice', { x }, { begin: [n0, 0, 0, 0], size: [n, info.inHeight, info.inWidth, info.inChannels] });
  const dys = whole ? dy : callKernel(backendName, backend, 'Slice', { x: dy }, { begin: [n0, 0, 0, 0], size: [n, info.outHeight, info.outWidth, info.outChannels] });
  const filter = cachedConstant(backend, `dwOneHot:${info.filterHeight}x${info.filterWidth}x${info.inChannels}`, [info.filterHeight, info.filterWidth, info.inChannels, taps], () =>
    oneHotFilter(info.filterHeight, info.filterWidth, info.inChannels),
  );
  const patches = callKernel(backendName, backend, 'DepthwiseConv2dNative', { x: xs, filter }, {
    strides: attrs.strides,
    pad: attrs.pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: attrs.dimRoundingMode,
  });
  const rows = n * info.outHeight * info.outWidth;
  const a = reshape(backendName, backend, patches, [rows, info.inChannels * taps]);
  const b = reshape(backendName, backend, dys, [rows, info.outChannels]);
  const part = callKernel(backendName, backend, 'BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
  release(backend, a, b, patches, ...(whole ? [] : [xs, dys]));
  return part;
}

/**
 * Conv2DBackpropFilter for backend `backendName`. `fallback` is the backend's original kernel;
 * `maxPatchBytes(backend)` bounds one chunk's patch matrix (on webgpu: the device's
 * maxStorageBufferBindingSize).
 */
export function makeConv2DBackpropFilter(backendName: string, fallback: BackendKernel, maxPatchBytes: (backend: ComposeBackend) => number): KernelFunc {
  return ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asComposeBackend(rawBackend);
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const dwAttrs = attrs as unknown as Conv2DBackpropFilterAttrs;
    const plan = planConv2DBackpropFilter(x.shape, dwAttrs, maxPatchBytes(backend));
    if (plan.kind === 'fallback') return fallback({ inputs: { x, dy }, backend, attrs: attrs as unknown as Record<string, unknown> });
    const { info } = plan;
    if (plan.kind === 'pointwise') {
      const rows = info.batchSize * info.outHeight * info.outWidth;
      const a = reshape(backendName, backend, x, [rows, info.inChannels]);
      const b = reshape(backendName, backend, dy, [rows, info.outChannels]);
      const dw = callKernel(backendName, backend, 'BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
      const out = reshape(backendName, backend, dw, [1, 1, info.inChannels, info.outChannels]);
      release(backend, a, b, dw);
      return out;
    }
    let acc: TensorInfo | undefined;
    for (let n0 = 0; n0 < info.batchSize; n0 += plan.imagesPerChunk) {
      const part = partialDw(backendName, backend, x, dy, plan, dwAttrs, n0, Math.min(info.batchSize, n0 + plan.imagesPerChunk));
      if (acc === undefined) {
        acc = part;
      } else {
        const sum = callKernel(backendName, backend, 'Add', { a: acc, b: part });
        release(backend, acc, part);
        acc = sum;
      }
    }
    const dwT = acc!;
    const { filterHeight: kH, filterWidth: kW, inChannels: inC, outChannels: outC } = info;
    if (plan.taps === 1) {
      const out = reshape(backendName, backend, dwT, [kH, kW, inC, outC]);
      release(backend, dwT);
      return out;
    }
    // [Cin, T, Cout] → [T, Cin, Cout]: a transpose of the small result, never of the patches.
    const grouped = reshape(backendName, backend, dwT, [inC, plan.taps, outC]);
    const byTap = callKernel(backendName, backend, 'Transpose', { x: grouped }, { perm: [1, 0, 2] });
    const out = reshape(backendName, backend, byTap, [kH, kW, inC, outC]);
    release(backend, dwT, grouped, byTap);
    return out;
  };
}
