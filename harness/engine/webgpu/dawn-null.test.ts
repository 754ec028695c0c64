/**
 * naspoison's WebGPU device and kernels on Dawn's *null* backend (npm `webgpu` with
 * `backend=null`): Dawn validates every call — limits, bind groups, WGSL compiled by Tint — exactly
 * as on a GPU, but executes nothing, so results are garbage and only the absence (or presence) of
 * validation errors is checked here. This is what the CPU machines can check of the webgpu path;
 * webgpu-gradients.test.ts checks the numbers on a GPU.
 *
 * The null adapter offers WebGPU's default of 8 storage buffers per shader stage, so it also shows
 * the AddN failure tfjs hits on a default device, and that naspoison's AddN avoids it.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeGenotype } from '../../space/genotype.js';
import { buildNetwork } from '../../space/network.js';
import { buildSupernet } from '../../space/supernet.js';
import { registerGradientFixes } from '../gradients.js';
import { Rng } from '../rng.js';
import { randomNormal, testRng } from '../test-utils.js';
import { DeviceError, assertNoDeviceErrors, clearDeviceErrors, deviceErrors, installWebgpuBackend, type WebgpuDevice } from './device.js';
import { originalWebgpuKernel } from './register.js';

async function tryNullDevice(): Promise<{ handle?: WebgpuDevice; reason?: string }> {
  try {
    const handle = await installWebgpuBackend({ dawnFlags: ['backend=null'], allowNullBackend: true });
    registerGradientFixes();
    if (!(await tf.setBackend('webgpu'))) return { reason: 'tf.setBackend("webgpu") failed on the null device' };
    return { handle };
  } catch (error) {
    return { reason: `Dawn's null backend is not available here: ${(error as Error).message}` };
  }
}

const { handle, reason } = await tryNullDevice();

afterAll(() => {
  if (handle === undefined) return;
  tf.removeBackend('webgpu');
  handle.device.destroy();
  // Dawn keeps the process alive while navigator.gpu is referenced (npm webgpu's README).
  Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true });
});

const CONFIG = { channels: 8, cellsPerStage: 1, inputChannels: 1, numClasses: 10 };
const GENOTYPE = makeGenotype(['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'nor_conv_3x3']);

describe.skipIf(handle === undefined)("naspoison's device and kernels on Dawn's null backend (validation only)", () => {
  it('the device gets the adapter limits it asked for', (ctx) => {
    ctx.skip(handle === undefined, reason);
    const { device, requiredLimits } = handle!;
    expect(requiredLimits.maxStorageBuffersPerShaderStage).toBe(8);
    for (const [name, value] of Object.entries(requiredLimits)) expect(device.limits[name as keyof GPUSupportedLimits], name).toBe(value);
    expect((tf.backend() as unknown as { device: GPUDevice }).device).toBe(device);
  });

  it('an AddN of 12 tensors (the supernet node with 3 edges × 4 ops) passes validation at 8 storage buffers', async () => {
    const sum = tf.addN(Array.from({ length: 12 }, (_, i) => tf.fill([1000], i)));
    await sum.data();
    expect(deviceErrors()).toEqual([]);
  });

  it('NB201 network and supernet gradients, batch norm in train and eval mode: no validation error', async () => {
    const rng = testRng('dawn-null');
    const x = tf.tensor4d(randomNormal(rng, 8 * 16 * 16), [8, 16, 16, 1]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const supernet = buildSupernet(CONFIG, new Rng(7));
    supernet.skipDropout = 0.3;
    const nets = [buildNetwork(GENOTYPE, CONFIG, new Rng(7)), supernet];
    try {
      for (const net of nets) {
        for (const training of [true, false]) {
          const vars = net === supernet ? [...net.params.weights, ...supernet.archParameters()] : net.params.weights;
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, net.forward(x, { training })) as tf.Scalar, vars);
          await value.data();
          for (const v of vars) await grads[v.name]!.data();
          tf.dispose([value, ...Object.values(grads)]);
        }
      }
    } finally {
      for (const net of nets) net.dispose();
    }
    expect(deviceErrors()).toEqual([]);
  });

  it('dataSync of a tensor on the GPU says to use data() instead of failing on OffscreenCanvas', () => {
    const t = tf.add(tf.fill([2000], 1), tf.fill([2000], 2));
    expect(() => t.dataSync()).toThrow(/use await tensor\.data\(\)/);
  });

  // Last: it leaves the device with recorded errors on purpose.
  it("tfjs's own AddN fails validation there, and the next read throws with Dawn's message", async () => {
    const original = originalWebgpuKernel('AddN')!;
    const backend = tf.backend();
    const inputs = Array.from({ length: 12 }, (_, i) => tf.fill([1000], i));
    const out = original.kernelFunc({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend }) as tf.TensorInfo;
    expect(deviceErrors().map((e) => e.message).join('\n')).toMatch(/storage buffers \(13\).*exceeds the maximum per-stage limit \(8\)/);
    expect(() => assertNoDeviceErrors('checking')).toThrow(DeviceError);
    await expect(tf.engine().makeTensorFromTensorInfo(out).data()).rejects.toThrow(/WebGPU device reported validation error.*storage buffers/);
    // Errors stay recorded: every later read fails too.
    await expect(tf.fill([3000], 1).data()).rejects.toThrow(DeviceError);
    clearDeviceErrors();
  });
});
