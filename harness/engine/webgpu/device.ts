/// <reference types="@webgpu/types" />
/**
 * The WebGPU device naspoison trains on, created by naspoison rather than by
 * @tensorflow/tfjs-backend-webgpu, and a watch on it that turns Dawn's validation messages into
 * errors.
 *
 * Why not the package's own factory (tfjs-backend-webgpu 4.22, base.js): it requests six limits at
 * the adapter's values (workgroup storage, workgroups per dimension, storage-binding size, buffer
 * size, workgroup size X, invocations per workgroup) but leaves `maxStorageBuffersPerShaderStage`
 * at WebGPU's default of 8, which an AddN of 8 or more tensors exceeds (the adapter offers 16 on the
 * H200). It also never listens for `uncapturederror`: Dawn rejects the pipeline, prints a
 * "validation:" line, and tfjs reads back garbage as if nothing happened. (It also pushes the
 * feature list `['bgra8unorm-storage']` as one array element; naspoison does not need that feature.)
 *
 * Here: {@link selectDeviceLimits} (pure, unit-tested) picks the limits, {@link installWebgpuBackend}
 * creates the device with them and re-registers the tfjs `webgpu` backend with a factory that hands
 * it to `new WebGPUBackend(device, adapterInfo)` — a subclass whose `read` (every `await
 * tensor.data()`) throws once the device has reported an error, and whose `readSync` explains why a
 * synchronous read cannot work in Node. {@link assertNoDeviceErrors} lets any caller (the trainer at
 * its read points) check the same at no cost.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { registerWebgpuKernels } from './register.js';

/**
 * Limits naspoison requests at the adapter's value: the six tfjs-backend-webgpu 4.22 requests
 * (base.js), the storage-buffer count AddN and Concat need, and the workgroup sizes Y and Z.
 */
export const REQUESTED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
] as const;
export type RequestedLimit = (typeof REQUESTED_LIMITS)[number];

/** The adapter limits {@link selectDeviceLimits} reads (a GPUSupportedLimits satisfies it). */
export type AdapterLimits = Readonly<Partial<Record<RequestedLimit, number>>>;

/**
 * The `requiredLimits` of naspoison's device: each of {@link REQUESTED_LIMITS} at the adapter's
 * value. A limit the adapter does not report (or reports as a non-finite or negative number) is left
 * out, so the device gets WebGPU's default for it rather than a request Dawn would reject.
 */
export function selectDeviceLimits(adapterLimits: AdapterLimits): Partial<Record<RequestedLimit, number>> {
  const required: Partial<Record<RequestedLimit, number>> = {};
  for (const name of REQUESTED_LIMITS) {
    const value = adapterLimits[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) required[name] = value;
  }
  return required;
}

/** Optional features naspoison asks for when the adapter has them: GPU timestamps for tf.profile. */
export const OPTIONAL_FEATURES = ['timestamp-query'] as const;

/** The `requiredFeatures` of naspoison's device: those of {@link OPTIONAL_FEATURES} the adapter has. */
export function selectDeviceFeatures(adapterFeatures: { has(name: string): boolean }): string[] {
  return OPTIONAL_FEATURES.filter((name) => adapterFeatures.has(name));
}

// ---------------------------------------------------------------------------------------------
// Device errors

/** One error the device reported. */
export interface DeviceErrorRecord {
  kind: 'validation' | 'out-of-memory' | 'internal' | 'device-lost' | 'unknown';
  message: string;
}

const errors: DeviceErrorRecord[] = [];

function errorKind(error: unknown): DeviceErrorRecord['kind'] {
  const name = (error as { constructor?: { name?: string } } | null)?.constructor?.name ?? '';
  if (name.includes('Validation')) return 'validation';
  if (name.includes('OutOfMemory')) return 'out-of-memory';
  if (name.includes('Internal')) return 'internal';
  return 'unknown';
}

/** Records `error` as reported by a device (exported for tests that simulate one). */
export function recordDeviceError(record: DeviceErrorRecord): void {
  errors.push(record);
}

/**
 * Starts recording every error `device` reports: uncaptured errors (validation, out of memory,
 * internal — any of them means a kernel's output is not what the program computed) and a loss of
 * the device other than an intentional destroy().
 */
export function watchDevice(device: GPUDevice): void {
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    recordDeviceError({ kind: errorKind(error), message: error?.message ?? String(error) });
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') recordDeviceError({ kind: 'device-lost', message: `device lost (${info.reason ?? 'unknown'}): ${info.message}` });
  });
}

/** Errors recorded so far (all devices of this process). */
export function deviceErrors(): readonly DeviceErrorRecord[] {
  return errors;
}

/** Forgets recorded errors. Only for tests that provoke one on purpose. */
export function clearDeviceErrors(): void {
  errors.length = 0;
}

/** The thrown form of the recorded errors. */
export class DeviceError extends Error {
  constructor(readonly records: readonly DeviceErrorRecord[], context: string) {
    const first = records[0]!;
    const more = records.length > 1 ? ` (and ${records.length - 1} more)` : '';
    super(`WebGPU device reported ${first.kind} error${more}${context ? ` (checked while ${context})` : ''}; results computed since are invalid: ${first.message.split('\n')[0]}`);
    this.name = 'DeviceError';
  }
}

/**
 * Throws a {@link DeviceError} naming the first message if any device created here has reported an
 * error. Errors stay recorded: once the device said a result is wrong, every later check fails too,
 * so a run cannot continue past one. Costs nothing and is a no-op on other backends.
 */
export function assertNoDeviceErrors(context = ''): void {
  if (errors.length > 0) throw new DeviceError([...errors], context);
}

/**
 * Resolves once `device` has finished the work submitted so far and any error events that work
 * raised have been dispatched.
 */
export async function settleDevice(device: GPUDevice): Promise<void> {
  await device.queue.onSubmittedWorkDone();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------------------------
// The backend

/** `WebGPUBackend` with error checks on reads (a class made after the package has loaded). */
function checkedBackendClass(Base: typeof WebGPUBackend): new (device: GPUDevice, adapterInfo?: GPUAdapterInfo) => WebGPUBackend {
  return class CheckedWebGPUBackend extends Base {
    override async read(dataId: object): Promise<tf.BackendValues> {
      // Values already on the host need no GPU round trip; waiting for the queue there would stall
      // the pipeline for nothing. A download has waited for the queue anyway (mapAsync), so the
      // settle after it is nearly free and lets any error event of that work arrive first.
      const onHost = this.tensorMap.has(dataId) && this.tensorMap.get(dataId).values != null;
      const values = await super.read(dataId);
      if (!onHost) await settleDevice(this.device);
      assertNoDeviceErrors('reading a tensor');
      return values;
    }

    override readSync(dataId: object): tf.BackendValues {
      let values: tf.BackendValues;
      try {
        values = super.readSync(dataId);
      } catch (error) {
        // tfjs-backend-webgpu reads synchronously by drawing into OffscreenCanvas, which Node lacks.
        if (error instanceof ReferenceError && error.message.includes('OffscreenCanvas')) {
          throw new Error('dataSync()/arraySync() of a tensor on the GPU cannot work on webgpu in Node (tfjs reads synchronously through OffscreenCanvas); use await tensor.data()');
        }
        throw error;
      }
      assertNoDeviceErrors('reading a tensor synchronously');
      return values;
    }
  };
}

/** The device naspoison created, with what it was created from. */
export interface WebgpuDevice {
  device: GPUDevice;
  adapterInfo: GPUAdapterInfo | undefined;
  /** The limits requested (the adapter's values). */
  requiredLimits: Partial<Record<RequestedLimit, number>>;
  requiredFeatures: string[];
  /** One line: adapter, and the limits that matter for correctness. */
  description: string;
}

/** Options of {@link createWebgpuDevice}. */
export interface CreateDeviceOptions {
  /** Options for Dawn's `create` (e.g. `backend=null` for validation without a GPU). */
  dawnFlags?: string[];
  /** Accept Dawn's null backend, which validates but computes nothing (tests only). */
  allowNullBackend?: boolean;
}

interface DawnAdapter {
  readonly limits: AdapterLimits;
  readonly features: { has(name: string): boolean };
  readonly info?: GPUAdapterInfo;
  requestDevice(descriptor?: GPUDeviceDescriptor): Promise<GPUDevice>;
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: GPURequestAdapterOptions): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}

function describe(info: GPUAdapterInfo | undefined, limits: Partial<Record<RequestedLimit, number>>): string {
  const i = info as Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> | undefined;
  const name = [i?.vendor, i?.architecture, i?.device, i?.description].filter((s) => s !== undefined && s !== '').join(' ') || 'unknown adapter';
  return `${name}; maxStorageBuffersPerShaderStage ${limits.maxStorageBuffersPerShaderStage ?? 'default (8)'}, maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize ?? 'default'}`;
}

/**
 * Loads Dawn (npm `webgpu`), installs its globals and `navigator.gpu` (tfjs-backend-webgpu looks
 * for them), requests a high-performance adapter and a device with {@link selectDeviceLimits} and
 * {@link selectDeviceFeatures}, and starts {@link watchDevice} on it.
 */
export async function createWebgpuDevice(options: CreateDeviceOptions = {}): Promise<WebgpuDevice> {
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(options.dawnFlags ?? []);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null || adapter === undefined) {
    throw new Error('Dawn found no WebGPU adapter (needs a Vulkan driver with a real GPU; CPU lavapipe is rejected)');
  }
  const adapterInfo = adapter.info;
  if ((adapterInfo as { device?: string } | undefined)?.device === 'null-backend' && options.allowNullBackend !== true) {
    throw new Error("Dawn offered only its null backend, which computes nothing: no usable GPU");
  }
  const requiredLimits = selectDeviceLimits(adapter.limits);
  const requiredFeatures = selectDeviceFeatures(adapter.features);
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: requiredFeatures as GPUFeatureName[] });
  watchDevice(device);
  const nullBackend = (adapterInfo as { device?: string } | undefined)?.device === 'null-backend';
  const description = `${nullBackend ? 'NULL BACKEND, validation only: every result is meaningless; ' : ''}${describe(adapterInfo, requiredLimits)}`;
  return { device, adapterInfo, requiredLimits, requiredFeatures, description };
}

/**
 * Options from the environment: `NASPOISON_DAWN_NULL_BACKEND=1` selects Dawn's null backend, which
 * validates every WebGPU call as on a GPU but computes nothing — for checking the webgpu path's
 * plumbing (pipelines, limits, no synchronous reads) on a machine without a GPU. Every number it
 * produces is garbage, and the backend's description says so.
 */
export function deviceOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CreateDeviceOptions {
  return env.NASPOISON_DAWN_NULL_BACKEND === '1' ? { dawnFlags: ['backend=null'], allowNullBackend: true } : {};
}

let installed: Promise<WebgpuDevice> | undefined;

/**
 * Creates naspoison's device (once per process; later calls return the first result, or rethrow
 * its failure), imports @tensorflow/tfjs-backend-webgpu, registers the tfjs `webgpu` backend with a
 * factory that hands that device to the checked WebGPUBackend (replacing the package's own
 * factory; priority 3 as the package), and installs naspoison's webgpu kernels (register.ts).
 */
export function installWebgpuBackend(options: CreateDeviceOptions = deviceOptionsFromEnv()): Promise<WebgpuDevice> {
  installed ??= (async () => {
    const created = await createWebgpuDevice(options);
    // After navigator.gpu exists: the package registers its factory and kernels on import.
    const { WebGPUBackend: Base } = await import('@tensorflow/tfjs-backend-webgpu');
    const Checked = checkedBackendClass(Base);
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new Checked(created.device, created.adapterInfo), 3);
    registerWebgpuKernels();
    return created;
  })();
  return installed;
}
