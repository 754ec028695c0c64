/**
 * The pure parts of naspoison's WebGPU device: which limits and features it requests from an
 * adapter (fake adapters here; dawn-null.test.ts uses a real Dawn adapter), how recorded device
 * errors surface, and the NASPOISON_WEBGPU_ORIGINAL switch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceError,
  OPTIONAL_FEATURES,
  REQUESTED_LIMITS,
  assertNoDeviceErrors,
  clearDeviceErrors,
  deviceErrors,
  recordDeviceError,
  selectDeviceFeatures,
  selectDeviceLimits,
} from './device.js';
import { REPLACED_WEBGPU_KERNELS, keptOriginals } from './register.js';

/** An H200's adapter limits as Dawn reports them (the values that matter), plus unrelated ones. */
const H200_LIKE = {
  maxTextureDimension2D: 32768,
  maxBindGroups: 4,
  maxComputeWorkgroupStorageSize: 49152,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 4294967292,
  maxBufferSize: 4294967296,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeWorkgroupSizeY: 1024,
  maxComputeWorkgroupSizeZ: 64,
  maxComputeInvocationsPerWorkgroup: 1024,
  maxStorageBuffersPerShaderStage: 16,
  minStorageBufferOffsetAlignment: 32,
};

describe('device limits', () => {
  it("requests every limit tfjs-backend-webgpu asks for, plus the storage-buffer count, at the adapter's value", () => {
    const limits = selectDeviceLimits(H200_LIKE);
    expect(Object.keys(limits).sort()).toEqual([...REQUESTED_LIMITS].sort());
    for (const name of REQUESTED_LIMITS) expect(limits[name], name).toBe(H200_LIKE[name]);
    // tfjs's own factory left this one at WebGPU's default of 8: AddN of ≥ 8 tensors failed.
    expect(limits.maxStorageBuffersPerShaderStage).toBe(16);
  });

  it('includes the six limits of tfjs-backend-webgpu 4.22 (base.js)', () => {
    for (const name of [
      'maxComputeWorkgroupStorageSize',
      'maxComputeWorkgroupsPerDimension',
      'maxStorageBufferBindingSize',
      'maxBufferSize',
      'maxComputeWorkgroupSizeX',
      'maxComputeInvocationsPerWorkgroup',
    ]) {
      expect(REQUESTED_LIMITS as readonly string[]).toContain(name);
    }
  });

  it('leaves out limits the adapter does not report or reports as nonsense (the device keeps the default)', () => {
    const limits = selectDeviceLimits({ maxStorageBuffersPerShaderStage: 10, maxBufferSize: Number.NaN, maxComputeWorkgroupSizeX: -1 });
    expect(limits).toEqual({ maxStorageBuffersPerShaderStage: 10 });
    expect(selectDeviceLimits({})).toEqual({});
  });

  it('does not read limits it was not asked to pass on', () => {
    const limits = selectDeviceLimits(H200_LIKE) as Record<string, number>;
    expect(limits.maxTextureDimension2D).toBeUndefined();
    expect(limits.minStorageBufferOffsetAlignment).toBeUndefined();
  });

  it('asks for timestamp-query only when the adapter has it', () => {
    expect(OPTIONAL_FEATURES).toEqual(['timestamp-query']);
    expect(selectDeviceFeatures(new Set(['timestamp-query', 'shader-f16', 'bgra8unorm-storage']))).toEqual(['timestamp-query']);
    expect(selectDeviceFeatures(new Set(['shader-f16']))).toEqual([]);
  });
});

describe('device errors', () => {
  afterEach(() => clearDeviceErrors());

  it('nothing recorded: the check passes', () => {
    expect(deviceErrors()).toEqual([]);
    expect(() => assertNoDeviceErrors()).not.toThrow();
  });

  it('a recorded validation message makes every later check throw, naming the first message and the count', () => {
    recordDeviceError({ kind: 'validation', message: 'The number of storage buffers (13) in the Compute stage exceeds the maximum per-stage limit (8).\n - While validating' });
    recordDeviceError({ kind: 'validation', message: '[Invalid CommandBuffer] is invalid due to a previous error.' });
    expect(() => assertNoDeviceErrors('a training step')).toThrow(DeviceError);
    expect(() => assertNoDeviceErrors('a training step')).toThrow(
      /validation error \(and 1 more\) \(checked while a training step\); results computed since are invalid: The number of storage buffers \(13\)/,
    );
    // Sticky: a second check fails too.
    expect(() => assertNoDeviceErrors()).toThrow(/storage buffers/);
    try {
      assertNoDeviceErrors();
    } catch (error) {
      expect((error as DeviceError).records).toHaveLength(2);
    }
  });
});

describe('NASPOISON_WEBGPU_ORIGINAL', () => {
  it('unset or empty keeps none of the originals', () => {
    expect(keptOriginals(undefined)).toEqual([]);
    expect(keptOriginals(' ')).toEqual([]);
  });

  it('lists replaced kernels to keep tfjs for; an unknown name is an error naming the valid ones', () => {
    expect(keptOriginals('Conv2DBackpropFilter, AddN')).toEqual(['Conv2DBackpropFilter', 'AddN']);
    expect(() => keptOriginals('Conv2D')).toThrow(new RegExp(`"Conv2D" is not a replaced kernel; choose from ${REPLACED_WEBGPU_KERNELS.join(', ')}`));
  });
});
