/**
 * Optimiser updates as kernels, so weights, momentum buffers and batch-norm running statistics stay
 * where the backend keeps tensors and the host never reads one synchronously during a step.
 *
 * On the host-memory backends (wasm, cpu) each is one multi-tensor JS loop (PyTorch's "foreach"
 * idea): one launch per step for all of a network's weights instead of ~7 tfjs ops per variable,
 * with float64 arithmetic exactly as the host-side optimisers this replaces (so results are
 * bit-identical to them). Other backends (webgpu, tensorflow) have no such kernel; the optimisers
 * fall back to composite tensor ops there (train/sgd.ts, train/adam.ts, engine/nn.ts).
 *
 * - `NaspoisonSgdUpdate`: inputs [w₀…wₙ₋₁, g₀…gₙ₋₁, b₀…bₙ₋₁] (no b when `first` or momentum 0) →
 *   [w'₀…, b'₀…] (no b' when momentum 0). Global-norm clipping (PyTorch clip_grad_norm_) is
 *   computed inside, over all n gradients, when `maxNorm` > 0.
 * - `NaspoisonAdamUpdate`: inputs [w…, g…, m…, v…] → [w'…, m'…, v'…] (PyTorch Adam with L2 decay).
 * - `NaspoisonRunningStats`: {mean, variance, stats} → [mean', variance'], stats rows 0 and 1 the
 *   batch mean and biased variance (the unbiased correction is applied here, as PyTorch does).
 */
import { getKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { hostMemory, type HostBackendName } from './host-memory.js';

export const SGD_UPDATE = 'NaspoisonSgdUpdate';
export const ADAM_UPDATE = 'NaspoisonAdamUpdate';
export const RUNNING_STATS = 'NaspoisonRunningStats';

/** Attributes of {@link SGD_UPDATE}. */
export interface SgdUpdateAttrs {
  count: number;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** The first step: momentum buffers start as the step itself (b₀ = g), none are passed in. */
  first: boolean;
  /** Clip the global gradient norm to this (0: no clipping). */
  maxNorm: number;
}

/** Attributes of {@link ADAM_UPDATE}. */
export interface AdamUpdateAttrs {
  count: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  epsilon: number;
  /** Bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ of this step. */
  correction1: number;
  correction2: number;
}

/** Attributes of {@link RUNNING_STATS}. */
export interface RunningStatsAttrs {
  momentum: number;
  /** Values per channel in the batch (N·H·W), for the unbiased variance. */
  count: number;
}

type Inputs = Record<string, TensorInfo>;
const at = (inputs: Inputs, i: number): TensorInfo => inputs[i]!;

/** PyTorch clip_grad_norm_'s factor for the global L2 norm of `grads` (1 when not clipping). */
function clipScale(grads: readonly Float32Array[], maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  let sumSquares = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sumSquares += g[i]! * g[i]!;
  const norm = Math.sqrt(sumSquares);
  return norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}

function sgdUpdate(name: HostBackendName): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { count: n, learningRate: lr, momentum, nesterov, weightDecay, first, maxNorm } = attrs as unknown as SgdUpdateAttrs;
    const mem = hostMemory(name, backend);
    const inp = inputs as Inputs;
    const withBuffers = momentum > 0;
    // Every output first: on wasm an allocation may move the heap under earlier views.
    const weightsOut = Array.from({ length: n }, (_, i) => mem.allocate(at(inp, i).shape));
    const buffersOut = withBuffers ? Array.from({ length: n }, (_, i) => mem.allocate(at(inp, i).shape)) : [];
    const grads = Array.from({ length: n }, (_, i) => mem.view(at(inp, n + i)));
    const scale = clipScale(grads, maxNorm);
    for (let k = 0; k < n; k++) {
      const w = mem.view(at(inp, k));
      const g = grads[k]!;
      const next = mem.view(weightsOut[k]!);
      if (!withBuffers) {
        for (let i = 0; i < w.length; i++) next[i] = w[i]! - lr * (scale * g[i]! + weightDecay * w[i]!);
        continue;
      }
      const old = first ? undefined : mem.view(at(inp, 2 * n + k));
      const buffer = mem.view(buffersOut[k]!);
      for (let i = 0; i < w.length; i++) {
        const d = scale * g[i]! + weightDecay * w[i]!;
        const b = old === undefined ? d : momentum * old[i]! + d;
        buffer[i] = b;
        next[i] = w[i]! - lr * (nesterov ? d + momentum * b : b);
      }
    }
    return [...weightsOut, ...buffersOut];
  };
}

function adamUpdate(name: HostBackendName): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { count: n, learningRate: lr, beta1, beta2, weightDecay, epsilon, correction1: c1, correction2: c2 } = attrs as unknown as AdamUpdateAttrs;
    const mem = hostMemory(name, backend);
    const inp = inputs as Inputs;
    const outs = Array.from({ length: 3 * n }, (_, j) => mem.allocate(at(inp, j % n).shape));
    for (let k = 0; k < n; k++) {
      const w = mem.view(at(inp, k));
      const g = mem.view(at(inp, n + k));
      const m = mem.view(at(inp, 2 * n + k));
      const v = mem.view(at(inp, 3 * n + k));
      const wOut = mem.view(outs[k]!);
      const mOut = mem.view(outs[n + k]!);
      const vOut = mem.view(outs[2 * n + k]!);
      for (let i = 0; i < w.length; i++) {
        const d = g[i]! + weightDecay * w[i]!;
        mOut[i] = beta1 * m[i]! + (1 - beta1) * d;
        vOut[i] = beta2 * v[i]! + (1 - beta2) * d * d;
        wOut[i] = w[i]! - (lr * (mOut[i]! / c1)) / (Math.sqrt(vOut[i]! / c2) + epsilon);
      }
    }
    return outs;
  };
}

function runningStats(name: HostBackendName): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { momentum, count } = attrs as unknown as RunningStatsAttrs;
    const mem = hostMemory(name, backend);
    const { mean, variance, stats } = inputs as { mean: TensorInfo; variance: TensorInfo; stats: TensorInfo };
    const C = mean.shape[0]!;
    const meanOut = mem.allocate([C]);
    const varOut = mem.allocate([C]);
    const [m, v, s, mo, vo] = [mean, variance, stats, meanOut, varOut].map((t) => mem.view(t)) as Float32Array[];
    const correction = count > 1 ? count / (count - 1) : 1;
    for (let c = 0; c < C; c++) {
      mo![c] = (1 - momentum) * m![c]! + momentum * s![c]!;
      vo![c] = (1 - momentum) * v![c]! + momentum * s![C + c]! * correction;
    }
    return [meanOut, varOut];
  };
}

const HOST_BACKENDS: readonly HostBackendName[] = ['wasm', 'cpu'];

/** The three kernels for wasm and cpu. */
export const OPTIMIZER_KERNELS: readonly KernelConfig[] = HOST_BACKENDS.flatMap((backendName) => [
  { kernelName: SGD_UPDATE, backendName, kernelFunc: sgdUpdate(backendName) },
  { kernelName: ADAM_UPDATE, backendName, kernelFunc: adamUpdate(backendName) },
  { kernelName: RUNNING_STATS, backendName, kernelFunc: runningStats(backendName) },
]);

/** True when the active backend has `kernelName` (else callers compose tensor ops). */
export function hasKernel(kernelName: string, backendName: string): boolean {
  return getKernel(kernelName, backendName) !== undefined;
}
