/**
 * Kernels composed of other kernels of one backend, called at the backend level the way tfjs's own
 * backends compose theirs (no tape, no engine bookkeeping, intermediates freed explicitly). Every
 * helper takes the backend's *name*, so the same composition can be registered for `webgpu` and,
 * under a test-only kernel name, for `cpu`, where its numbers can be checked without a GPU.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

export type TensorInfo = tf.TensorInfo;

/** What a composition needs from a backend: tfjs's KernelBackend plus its `makeTensorInfo`. */
export interface ComposeBackend extends tf.KernelBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): TensorInfo;
}

/** The backend a kernel function was called with, typed for compositions. */
export function asComposeBackend(backend: unknown): ComposeBackend {
  const b = backend as Partial<ComposeBackend> | null;
  if (b === null || typeof b !== 'object' || typeof b.makeTensorInfo !== 'function' || typeof b.disposeData !== 'function') {
    throw new Error('naspoison webgpu kernels: the backend has no makeTensorInfo/disposeData');
  }
  return b as ComposeBackend;
}

/** A kernel function of one backend, typed for compositions. */
export type BackendKernel = (args: { inputs: Record<string, TensorInfo>; backend: ComposeBackend; attrs: Record<string, unknown> }) => TensorInfo;

/** Wraps a registered kernel function (tfjs's loose KernelFunc type) as a {@link BackendKernel}. */
export function asBackendKernel(kernelFunc: tf.KernelFunc, label: string): BackendKernel {
  return ({ inputs, backend, attrs }) => {
    const out = kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
    if (Array.isArray(out)) throw new Error(`kernel ${label} returned several outputs; expected one`);
    return out;
  };
}

/** Runs `kernelName` as registered for `backendName` (looked up at call time, so replacements apply). */
export function callKernel(
  backendName: string,
  backend: ComposeBackend,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const config = tf.getKernel(kernelName, backendName);
  if (config === undefined) throw new Error(`kernel ${kernelName} is not registered for the ${backendName} backend`);
  return asBackendKernel(config.kernelFunc, `${kernelName} (${backendName})`)({ inputs, backend, attrs });
}

/** Frees intermediates created inside a composition. */
export function release(backend: ComposeBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** `x` with a new shape through the backend's Reshape kernel (no copy on cpu or webgpu). */
export function reshape(backendName: string, backend: ComposeBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return callKernel(backendName, backend, 'Reshape', { x }, { shape });
}

/**
 * Constants a composition reuses on every call (a count map, a one-hot filter): created once per
 * backend instance and key, never freed (they are small), so no step uploads them again. Keyed by
 * the backend object, so a backend that is removed and re-created gets fresh ones.
 */
const constants = new WeakMap<object, Map<string, TensorInfo>>();

/** The cached float32 constant `key` of `backend`, made by `make` on first use. */
export function cachedConstant(backend: ComposeBackend, key: string, shape: number[], make: () => Float32Array): TensorInfo {
  let byKey = constants.get(backend);
  if (byKey === undefined) {
    byKey = new Map();
    constants.set(backend, byKey);
  }
  let info = byKey.get(key);
  if (info === undefined) {
    const values = make();
    if (values.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`constant ${key}: ${values.length} values for shape [${shape.join(', ')}]`);
    info = backend.makeTensorInfo(shape, 'float32', values);
    byKey.set(key, info);
  }
  return info;
}

/** Number of cached constants of `backend` (tests: a leak check must not count them). */
export function cachedConstantCount(backend: object): number {
  return constants.get(backend)?.size ?? 0;
}
