/**
 * Helpers for kernels composed from other kernels at the backend level (the way tfjs's own
 * backends call each other): no tape, no engine bookkeeping, intermediates freed explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;

/** Runs a registered kernel of the backend directly and returns its raw output. */
export function callKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config === undefined) throw new Error(`kernel ${kernelName} is not registered for the wasm backend`);
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`kernel ${kernelName} returned several outputs; expected one`);
  return out as TensorInfo;
}

/** A float32 output buffer on the wasm heap and a view of it (valid until the next allocation). */
export function allocate(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** A view of a tensor's data on the wasm heap. Re-take it after any allocation (the heap may grow). */
export function heap(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Same storage, new shape (no copy); release it like any other intermediate. */
export function reshaped(backend: BackendWasm, info: TensorInfo, shape: number[]): TensorInfo {
  backend.incRef(info.dataId);
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Frees intermediates created inside a kernel. */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Row-major transpose of a [rows, cols] block into a new [cols, rows] buffer. */
export function transpose2d(backend: BackendWasm, src: TensorInfo, rows: number, cols: number): TensorInfo {
  const out = allocate(backend, [cols, rows]);
  const a = heap(backend, src);
  const b = heap(backend, out);
  // Blocked so both sides stay in cache for large matrices.
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        const base = r * cols;
        for (let c = c0; c < c1; c++) b[c * rows + r] = a[base + c]!;
      }
    }
  }
  return out;
}
