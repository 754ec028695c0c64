/**
 * Float32 storage of the two backends whose tensors live in host memory (wasm: the module's heap;
 * cpu: JS typed arrays), behind one small interface, so a kernel written as a JS loop runs on both.
 * Reading a view here is a kernel reading its inputs, not the host reading a tensor: nothing
 * synchronises with a device.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';

export type HostBackendName = 'wasm' | 'cpu';

/** Allocation and views of float32 tensors on a host-memory backend. */
export interface HostMemory {
  /** A new float32 tensor of `shape` (contents unspecified on wasm; zeros on cpu). */
  allocate(shape: number[]): TensorInfo;
  /**
   * A view of a float32 tensor's values. On wasm it is only valid until the next allocation (the
   * heap may grow): allocate every output first, then take the views.
   */
  view(info: TensorInfo): Float32Array;
}

/** The {@link HostMemory} of a backend instance. */
export function hostMemory(name: HostBackendName, backend: unknown): HostMemory {
  if (name === 'wasm') {
    const wasm = backend as BackendWasm;
    return {
      allocate: (shape) => wasm.makeOutput(shape, 'float32'),
      view: (info) => wasm.typedArrayFromHeap(info) as Float32Array,
    };
  }
  const cpu = backend as MathBackendCPU;
  return {
    allocate: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
    // The stored array itself (as tfjs-backend-cpu's own kernels read it): writes go into the tensor.
    view: (info) => cpu.data.get(info.dataId)!.values as Float32Array,
  };
}
