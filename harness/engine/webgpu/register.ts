/**
 * naspoison's replacements of tfjs-backend-webgpu 4.22 kernels, each a composition of the
 * package's other kernels (see the module of each for what is wrong or slow in the original):
 *
 * - `AvgPoolGrad` (avg-pool-grad.ts): the original divides by kH·kW where the window overlaps the
 *   padding, not by the in-image count its forward pass uses — wrong gradients for NB201's
 *   avg_pool_3x3.
 * - `AddN` (add-n.ts): the original binds n + 1 storage buffers; sums that exceed the device's
 *   maxStorageBuffersPerShaderStage are split.
 * - `Conv2DBackpropFilter` (conv2d-backprop-filter.ts): the original reduces serially per filter
 *   element (98 % of a paper-scale step); replaced by im2col + split-K matmul.
 *
 * `NASPOISON_WEBGPU_ORIGINAL=Name,Name` keeps tfjs's kernel for the listed names (a diagnostic and
 * A/B switch for the GPU benchmark; AddN and AvgPoolGrad are then wrong again).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeChunkedAddN, maxAddNInputs } from './add-n.js';
import { makeAvgPoolGrad } from './avg-pool-grad.js';
import { asBackendKernel, type BackendKernel, type ComposeBackend } from './compose.js';
import { makeConv2DBackpropFilter } from './conv2d-backprop-filter.js';

/** The webgpu kernels naspoison replaces. */
export const REPLACED_WEBGPU_KERNELS = ['AvgPoolGrad', 'AddN', 'Conv2DBackpropFilter'] as const;
export type ReplacedWebgpuKernel = (typeof REPLACED_WEBGPU_KERNELS)[number];

/** A WebGPU device's limits as the tfjs webgpu backend exposes them (`backend.device.limits`). */
function deviceLimits(backend: ComposeBackend): Record<string, number | undefined> {
  const device = (backend as { device?: { limits?: Record<string, number | undefined> } }).device;
  if (device?.limits === undefined) throw new Error('naspoison webgpu kernels: the backend has no device (not the webgpu backend?)');
  return device.limits;
}

/** WebGPU's guaranteed defaults, for a device that reports no value (should not happen). */
const DEFAULT_STORAGE_BUFFERS = 8;
const DEFAULT_BINDING_BYTES = 134_217_728;

/** Inputs one AddN shader may take on `backend`'s device. */
export function webgpuAddNLimit(backend: ComposeBackend): number {
  return maxAddNInputs(deviceLimits(backend).maxStorageBuffersPerShaderStage ?? DEFAULT_STORAGE_BUFFERS);
}

/** Bytes one storage-buffer binding (hence one patch matrix) may hold on `backend`'s device. */
export function webgpuMaxBindingBytes(backend: ComposeBackend): number {
  const limits = deviceLimits(backend);
  return Math.min(limits.maxStorageBufferBindingSize ?? DEFAULT_BINDING_BYTES, limits.maxBufferSize ?? DEFAULT_BINDING_BYTES);
}

const makers: Record<ReplacedWebgpuKernel, (original: BackendKernel) => tf.KernelFunc> = {
  AvgPoolGrad: (original) => makeAvgPoolGrad('webgpu', original),
  AddN: (original) => makeChunkedAddN(original, webgpuAddNLimit),
  Conv2DBackpropFilter: (original) => makeConv2DBackpropFilter('webgpu', original, webgpuMaxBindingBytes),
};

const originals = new Map<ReplacedWebgpuKernel, tf.KernelConfig>();

/** Names listed in NASPOISON_WEBGPU_ORIGINAL (validated). */
export function keptOriginals(value = process.env.NASPOISON_WEBGPU_ORIGINAL): ReplacedWebgpuKernel[] {
  if (value === undefined || value.trim() === '') return [];
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!(REPLACED_WEBGPU_KERNELS as readonly string[]).includes(name)) {
      throw new Error(`NASPOISON_WEBGPU_ORIGINAL: "${name}" is not a replaced kernel; choose from ${REPLACED_WEBGPU_KERNELS.join(', ')}`);
    }
  }
  return names as ReplacedWebgpuKernel[];
}

/**
 * Replaces the webgpu kernels in {@link REPLACED_WEBGPU_KERNELS} (except those kept by
 * NASPOISON_WEBGPU_ORIGINAL). Call after importing @tensorflow/tfjs-backend-webgpu, which
 * registers the originals. Idempotent. Returns the names now replaced.
 */
export function registerWebgpuKernels(keep: readonly ReplacedWebgpuKernel[] = keptOriginals()): ReplacedWebgpuKernel[] {
  const replaced: ReplacedWebgpuKernel[] = [];
  for (const name of REPLACED_WEBGPU_KERNELS) {
    if (keep.includes(name)) continue;
    replaced.push(name);
    if (originals.has(name)) continue;
    const original = tf.getKernel(name, 'webgpu');
    if (original === undefined) throw new Error(`webgpu kernel ${name} is not registered: import @tensorflow/tfjs-backend-webgpu first`);
    originals.set(name, original);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: makers[name](asBackendKernel(original.kernelFunc, `${name} (tfjs webgpu)`)) });
  }
  return replaced;
}

/** tfjs-backend-webgpu's own kernel that naspoison replaced (for benchmarks and diagnostics). */
export function originalWebgpuKernel(name: ReplacedWebgpuKernel): tf.KernelConfig | undefined {
  return originals.get(name) ?? tf.getKernel(name, 'webgpu');
}
