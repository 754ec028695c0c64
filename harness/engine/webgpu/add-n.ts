/**
 * AddN within the device's storage-buffer limit.
 *
 * tfjs-backend-webgpu 4.22's AddN (kernels/AddN.js, `AddNPackedProgram`) binds every input and the
 * output as storage buffers of one compute shader, so n inputs need n + 1 storage buffers in one
 * stage. WebGPU's default `maxStorageBuffersPerShaderStage` is 8: a sum of 8 or more tensors makes
 * Dawn reject the pipeline ("The number of storage buffers (13) in the Compute stage exceeds the
 * maximum per-stage limit (8)") and the output is garbage. NB201's supernet sums 12 terms into its
 * last node (3 edges × 4 non-`none` ops). naspoison's device requests the adapter's limit (16 on
 * the H200, see device.ts), and this kernel splits larger sums into groups that fit, the way tfjs's
 * own Concat already does (Concat_impl.js): partial sums of at most `limit − 1` inputs, then the
 * sum of the partials.
 *
 * @module
 */
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { asComposeBackend, release, type BackendKernel, type ComposeBackend, type TensorInfo } from './compose.js';

/** Inputs one AddN shader may bind when the stage allows `maxStorageBuffers` (one is the output). */
export function maxAddNInputs(maxStorageBuffers: number): number {
  if (!Number.isInteger(maxStorageBuffers) || maxStorageBuffers < 3) {
    throw new Error(`AddN: maxStorageBuffersPerShaderStage must be an integer ≥ 3, got ${maxStorageBuffers}`);
  }
  return maxStorageBuffers - 1;
}

/**
 * AddN that never passes more than `maxInputs(backend)` tensors to `inner` (the backend's own AddN).
 * Groups are summed in input order, so with a limit above the input count it is `inner` itself.
 */
export function makeChunkedAddN(inner: BackendKernel, maxInputs: (backend: ComposeBackend) => number): KernelFunc {
  const sum = (backend: ComposeBackend, tensors: TensorInfo[], limit: number): TensorInfo => {
    if (tensors.length <= limit) {
      // tfjs hands AddN its inputs as an array (ops/add_n.js runKernel(AddN, $tensors)) and the
      // webgpu and cpu kernels call array methods on it: pass an array, not a keyed record.
      return inner({ inputs: [...tensors] as unknown as Record<string, TensorInfo>, backend, attrs: {} });
    }
    const partials: TensorInfo[] = [];
    try {
      for (let i = 0; i < tensors.length; i += limit) {
        const group = tensors.slice(i, i + limit);
        // A group of one is the tensor itself: no copy, and not released below.
        partials.push(group.length === 1 ? group[0]! : sum(backend, group, limit));
      }
      return sum(backend, partials, limit);
    } finally {
      release(backend, ...partials.filter((p) => !tensors.includes(p)));
    }
  };
  return ({ inputs, backend: rawBackend }) => {
    const backend = asComposeBackend(rawBackend);
    const tensors = Object.values(inputs as Record<string, TensorInfo>);
    const limit = maxInputs(backend);
    if (limit < 2) throw new Error(`AddN: a limit of ${limit} inputs per shader cannot sum anything`);
    return sum(backend, tensors, limit);
  };
}
