/**
 * Backend choice for TensorFlow.js: `--backend` / `NASPOISON_BACKEND` ∈ {auto, tensorflow, webgpu,
 * wasm, cpu}. `auto` takes `tensorflow` when @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node can
 * be loaded (both optional; their installers need an outside host), else `wasm`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerGradientFixes } from './gradients.js';
import { installWasmHeapGuard } from './memory-budget.js';
import { registerWasmKernels } from './kernels/register.js';
import { installWebgpuBackend } from './webgpu/device.js';

export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

/** What `auto` tries, in order. */
export const AUTO_CANDIDATES: readonly BackendName[] = ['tensorflow', 'wasm'];

/** What loading one backend found. */
export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** The package that provides it, or why it cannot load. */
  detail: string;
}

/** Parses a user's backend choice, naming the bad value and the valid ones on error. */
export function parseBackendChoice(value: string | undefined, origin = '--backend'): BackendChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`${origin}: unknown backend "${value}"; choose one of auto, ${BACKEND_NAMES.join(', ')}`);
}

/** The choice from a flag value, else NASPOISON_BACKEND, else auto. */
export function resolveBackendChoice(flag?: string): BackendChoice {
  if (flag !== undefined) return parseBackendChoice(flag, '--backend');
  return parseBackendChoice(process.env.NASPOISON_BACKEND, 'NASPOISON_BACKEND');
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

async function loadTensorflowBackend(): Promise<string> {
  const failures: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (tf.findBackendFactory('tensorflow') !== null) return pkg;
      failures.push(`${pkg} loaded but registered no "tensorflow" backend (version mismatch with @tensorflow/tfjs ${tf.version.tfjs}?)`);
    } catch (error) {
      const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && errorText(error).includes(`'${pkg}'`);
      // Its installer downloads libtensorflow from an outside host, so it is never a dependency.
      failures.push(missing ? `${pkg} is not installed (npm install ${pkg} where its libtensorflow download is reachable)` : `${pkg}: ${errorText(error)}`);
    }
  }
  throw new Error(failures.join('; '));
}

async function loadWebgpuBackend(): Promise<string> {
  // naspoison creates the device itself (the adapter's storage-buffer and binding limits, Dawn's
  // validation errors surfaced as exceptions) and replaces the webgpu kernels that are wrong or slow
  // in tfjs-backend-webgpu 4.22: see harness/engine/webgpu/device.ts and register.ts.
  const { description } = await installWebgpuBackend();
  return `webgpu (Dawn: ${description}) + @tensorflow/tfjs-backend-webgpu + naspoison kernels`;
}

async function loadBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow':
      return loadTensorflowBackend();
    case 'webgpu':
      return loadWebgpuBackend();
    case 'wasm':
      return '@tensorflow/tfjs-backend-wasm (SIMD, single thread) + naspoison kernels';
    case 'cpu':
      return '@tensorflow/tfjs-backend-cpu (pure JS)';
  }
}

/** The backend that is active after {@link initBackend}. */
export interface ActiveBackend {
  name: BackendName;
  detail: string;
  choice: BackendChoice;
}

let active: ActiveBackend | undefined;

/**
 * Loads and activates a backend. With `auto`, falls back from tensorflow to wasm. An explicit
 * choice that cannot load throws with the reason.
 */
export async function initBackend(choice: BackendChoice = resolveBackendChoice()): Promise<ActiveBackend> {
  registerWasmKernels();
  registerGradientFixes();
  const candidates: readonly BackendName[] = choice === 'auto' ? AUTO_CANDIDATES : [choice];
  const failures: string[] = [];
  for (const name of candidates) {
    let detail: string;
    try {
      detail = await loadBackend(name);
    } catch (error) {
      failures.push(`${name}: ${errorText(error)}`);
      continue;
    }
    if (!(await tf.setBackend(name))) {
      failures.push(`${name}: tf.setBackend("${name}") failed`);
      continue;
    }
    await tf.ready();
    // A wasm allocation that does not fit then throws a clear error instead of corrupting the heap.
    if (name === 'wasm') installWasmHeapGuard();
    active = { name, detail, choice };
    return active;
  }
  throw new Error(`no usable TensorFlow.js backend for "${choice}": ${failures.join('; ')}`);
}

/** The active backend; throws if none was initialised. */
export function activeBackend(): ActiveBackend {
  if (active === undefined) throw new Error('no backend initialised: call initBackend() first');
  return active;
}

/** Tries every backend without keeping any active; for `naspoison doctor`. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const previous = tf.getBackend();
  const probes: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const detail = await loadBackend(name);
      const ok = await tf.setBackend(name);
      probes.push({ name, available: ok, detail: ok ? detail : `${detail}: setBackend failed` });
    } catch (error) {
      probes.push({ name, available: false, detail: errorText(error) });
    }
  }
  if (previous) await tf.setBackend(previous);
  return probes;
}
