/**
 * AvgPoolGrad that matches average pooling's forward pass where windows overlap the padding.
 *
 * tfjs-backend-webgpu 4.22's forward pool (pool_webgpu.js, `Pool2DProgram` 'avg') divides each
 * window's sum by the number of in-image positions (`resultValue / max(count, 1.0)`, TF semantics,
 * PyTorch's count_include_pad=False), but its AvgPoolGrad (avg_pool_backprop_webgpu.js,
 * `AvgPool2DBackpropProgram`) multiplies every dy by one uniform `avgMultiplier = 1 / (kH·kW)`:
 * at the border of a padded pool it is not the gradient of its own forward pass. NB201's
 * avg_pool_3x3 (3×3, stride 1, padding 1) hits this on every border pixel, which on the 4×4 and 8×8
 * maps of the later stages is most of the image. The cpu and wasm built-ins had the same bug
 * (harness/engine/kernels/avg-pool-grad.ts).
 *
 * The fix is a composition, not a new shader: tfjs's kernel computes
 *   dx[p] = Σ_{o : p ∈ window(o)} dy[o] / (kH·kW),
 * so feeding it dy'[o] = dy[o] · (kH·kW / count(o)) gives Σ dy[o] / count(o), the true adjoint,
 * for any window, stride and padding. One broadcast Multiply by a cached [1, OH, OW, 1] map plus
 * the original kernel; pools without padding (count = kH·kW everywhere, e.g. NB201's 2×2 stride-2
 * shortcut pool and the batch-norm channel means) call the original kernel alone.
 *
 * @module
 */
import { backend_util, type AvgPoolGradAttrs, type KernelFunc } from '@tensorflow/tfjs-core';
import { asComposeBackend, cachedConstant, callKernel, release, type BackendKernel, type TensorInfo } from './compose.js';

/** Number of in-image positions of each output's window along one axis. */
export function windowCounts(outSize: number, inSize: number, k: number, stride: number, padBefore: number): number[] {
  const counts: number[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padBefore;
    counts.push(Math.max(0, Math.min(inSize, start + k) - Math.max(0, start)));
  }
  return counts;
}

/**
 * The [OH·OW] map of kH·kW / count(o), row-major, or undefined when every window lies inside the
 * image (then the k²-dividing kernel is already exact). A window entirely in the padding (count 0:
 * only possible with padding ≥ k) contributes to no input pixel, so its factor is irrelevant; 0.
 */
export function countCorrection(info: backend_util.Conv2DInfo): Float32Array | undefined {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: kH, filterWidth: kW, strideHeight: sH, strideWidth: sW } = info;
  const rows = windowCounts(OH, H, kH, sH, info.padInfo.top);
  const cols = windowCounts(OW, W, kW, sW, info.padInfo.left);
  if (rows.every((r) => r === kH) && cols.every((c) => c === kW)) return undefined;
  const map = new Float32Array(OH * OW);
  for (let h = 0; h < OH; h++) {
    for (let w = 0; w < OW; w++) {
      const count = rows[h]! * cols[w]!;
      map[h * OW + w] = count === 0 ? 0 : (kH * kW) / count;
    }
  }
  return map;
}

/** The pool geometry of an AvgPoolGrad call, resolved exactly as tfjs's kernels resolve it. */
export function avgPoolGradInfo(input: TensorInfo, attrs: AvgPoolGradAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad);
}

/**
 * AvgPoolGrad for backend `backendName`: `inner` is an AvgPoolGrad kernel of that backend with the
 * k²-dividing semantics of tfjs's built-ins (on webgpu, the package's own kernel).
 */
export function makeAvgPoolGrad(backendName: string, inner: BackendKernel): KernelFunc {
  return ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asComposeBackend(rawBackend);
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const poolAttrs = attrs as unknown as AvgPoolGradAttrs;
    const info = avgPoolGradInfo(input, poolAttrs);
    const kernelAttrs = attrs as unknown as Record<string, unknown>;
    const correction = countCorrection(info);
    if (correction === undefined) return inner({ inputs: { dy, input }, backend, attrs: kernelAttrs });
    const key = `avgPoolGrad:${info.outHeight}x${info.outWidth}:${info.inHeight}x${info.inWidth}:${info.filterHeight}x${info.filterWidth}:${info.strideHeight}x${info.strideWidth}:${info.padInfo.top},${info.padInfo.left}`;
    // [1, OH, OW, 1]: broadcast over batch and channels. On webgpu a last dimension of 1 against
    // C % 4 == 0 takes the vec4 binary-op path; the map itself is tiny and uploaded once.
    const map = cachedConstant(backend, key, [1, info.outHeight, info.outWidth, 1], () => correction);
    const scaled = callKernel(backendName, backend, 'Multiply', { a: dy, b: map });
    try {
      return inner({ inputs: { dy: scaled, input }, backend, attrs: kernelAttrs });
    } finally {
      release(backend, scaled);
    }
  };
}
