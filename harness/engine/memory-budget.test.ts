/**
 * The training-step memory budget: on wasm, the estimate from two small probe batches against the
 * measured peak of a moderate batch, the clear error for a step that cannot fit (and none for one
 * that can), the probe leaving the model as it was, and the heap guard turning an allocation the
 * wasm heap cannot hold into an Error instead of a tensor at address 0; leanVariableGrads against
 * tf.variableGrads (bit-identical gradients, nothing leaked, half the peak); the engine-buffer
 * measurement off wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import {
  StepMemoryError,
  WASM_HEAP_LIMIT_BYTES,
  WasmHeapExhaustedError,
  assertTrainingStepFits,
  clearStepMemoryCache,
  ensureTrainingStepFits,
  installWasmHeapGuard,
  leanVariableGrads,
  measureTrainingStepMemory,
  measureTrainingStepPeak,
  type StepMemoryProbe,
} from './memory-budget.js';
import { Rng } from './rng.js';
import { genotypeFromString } from '../space/genotype.js';
import { buildNetwork, type Network } from '../space/network.js';
import { buildSupernet } from '../space/supernet.js';

/**
 * How far the linear extrapolation from batches 2 and 4 may be from the measured peak at batch 32.
 * Measured: +3 % for the NB201 network C=16 N=5 32×32×3 at batch 32 and +4 % at batch 256; the
 * small network here is dominated more by its fixed part, hence the wider bound.
 */
const EXTRAPOLATION_TOLERANCE = 0.1;

const GENOTYPE = genotypeFromString('|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');

describe('training-step memory budget (wasm)', () => {
  let net: Network;
  let probe: StepMemoryProbe;

  beforeAll(async () => {
    await initBackend('wasm');
    installWasmHeapGuard();
    clearStepMemoryCache();
    net = buildNetwork(GENOTYPE, { channels: 4, cellsPerStage: 1, inputChannels: 1, numClasses: 10 }, new Rng(11));
    probe = { key: 'test-net:C4:N1', model: net, inputShape: [16, 16, 1], numClasses: 10 };
  });

  afterAll(() => net.dispose());

  it('extrapolates batches 2 and 4 to the measured peak at batch 32 within 10 %', () => {
    const estimate = measureTrainingStepMemory(probe);
    expect(estimate.method).toBe('wasm-heap');
    expect(estimate.bytesPerSample).toBeGreaterThan(0);
    const measured = measureTrainingStepPeak(probe, 32);
    const predicted = estimate.bytesAt(32) - estimate.optimizerBytes;
    expect(Math.abs(predicted - measured) / measured).toBeLessThan(EXTRAPOLATION_TOLERANCE);
  });

  it('caches the estimate per key', () => {
    expect(measureTrainingStepMemory(probe)).toBe(measureTrainingStepMemory(probe));
  });

  it('a step extrapolated to a huge batch fails before it runs, naming the memory, the limit and what can run it', () => {
    const batch = 1_000_000;
    let error: unknown;
    try {
      ensureTrainingStepFits({ ...probe, batch, what: 'the test network' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StepMemoryError);
    const message = (error as StepMemoryError).message;
    expect(message).toMatch(/one training step of the test network at batch 1000000 needs about [\d.]+ GiB on wasm/);
    expect(message).toContain('4.00 GiB a wasm module can address');
    expect(message).toContain('--backend webgpu or --backend tensorflow');
    expect(message).toMatch(/a batch of at most \d+/);
    const { fit } = error as StepMemoryError;
    expect(fit.limitBytes).toBe(WASM_HEAP_LIMIT_BYTES);
    expect(fit.maxBatch).toBeLessThan(batch);
    // The largest batch it names does fit.
    expect(() => ensureTrainingStepFits({ ...probe, batch: fit.maxBatch! })).not.toThrow();
  });

  it('a small step passes', () => {
    const fit = ensureTrainingStepFits({ ...probe, batch: 64 });
    expect(fit.limitBytes).toBe(WASM_HEAP_LIMIT_BYTES);
    expect(fit.requiredBytes).toBeLessThan(WASM_HEAP_LIMIT_BYTES);
  });

  it('leaves the weights and batch-norm statistics as they were', () => {
    const read = () => [...net.params.weights, ...net.params.state].map((v) => Array.from(v.dataSync()));
    const before = read();
    measureTrainingStepPeak(probe, 3);
    expect(read()).toEqual(before);
  });

  it('without a known limit the check passes, with one it is enforced on any backend', () => {
    expect(assertTrainingStepFits({ backend: 'webgpu', neededBytes: 100 * 2 ** 30, liveBytes: 0 }).limitBytes).toBeUndefined();
    expect(() => assertTrainingStepFits({ backend: 'webgpu', neededBytes: 10 * 2 ** 30, liveBytes: 0, limitBytes: 8 * 2 ** 30 })).toThrow(
      /needs about 10\.00 GiB on webgpu.*more than the 8\.00 GiB limit given/,
    );
  });

  it('an allocation the heap cannot hold throws a clear Error, and the backend keeps working', () => {
    // 4.4 GB: tfjs would pass the byte count to a 32-bit malloc, which truncates it.
    expect(() => tf.fill([1_100_000_000], 0)).toThrow(WasmHeapExhaustedError);
    expect(() => tf.fill([1_100_000_000], 0)).toThrow(/wasm heap exhausted: cannot allocate 4\.10 GiB/);
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    expect(sum).toBe(3);
  });
});

describe('leanVariableGrads', () => {
  /** Loss of a model on a fixed random batch, and both gradient functions' results as plain arrays. */
  function compare(model: { params: { weights: tf.Variable[] }; forward(x: tf.Tensor4D, ctx: { training: boolean }): tf.Tensor2D }, size: number, channels: number) {
    const x = tf.randomNormal([3, size, size, channels], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([1, 7, 3], 'int32'), 10).cast('float32') as tf.Tensor2D;
    const loss = () => tf.losses.softmaxCrossEntropy(y, model.forward(x, { training: true })) as tf.Scalar;
    const run = (grads: typeof leanVariableGrads) => {
      const before = tf.memory().numTensors;
      const { value, grads: named } = grads(loss, model.params.weights);
      const out = { value: value.dataSync()[0], grads: model.params.weights.map((v) => Array.from(named[v.name]!.dataSync())) };
      tf.dispose([value, ...Object.values(named)]);
      return { ...out, leaked: tf.memory().numTensors - before };
    };
    const reference = run((f, vs) => tf.variableGrads(f, [...vs]) as { value: tf.Scalar; grads: tf.NamedTensorMap });
    const lean = run(leanVariableGrads);
    tf.dispose([x, y]);
    return { reference, lean };
  }

  it('gives tf.variableGrads\'s gradients bit for bit on wasm (supernet), frees everything it made, and halves the peak', async () => {
    await initBackend('wasm');
    const supernet = buildSupernet({ channels: 4, cellsPerStage: 1, inputChannels: 3, numClasses: 10 }, new Rng(5));
    try {
      const { reference, lean } = compare(supernet, 16, 3);
      expect(lean.grads).toEqual(reference.grads);
      expect(lean.value).toBe(reference.value);
      expect(lean.leaked).toBe(0);
      expect(reference.leaked).toBe(0);
      const probe: StepMemoryProbe = { key: 'lean-test', model: supernet, inputShape: [16, 16, 3], numClasses: 10 };
      const tfjsPeak = measureTrainingStepPeak(probe, 4);
      const leanPeak = measureTrainingStepPeak({ ...probe, gradients: 'lean' }, 4);
      // Measured 0.51× here and at C=16 N=5 32×32×3.
      expect(leanPeak).toBeLessThan(0.7 * tfjsPeak);
    } finally {
      supernet.dispose();
    }
  });

  it('gives tf.variableGrads\'s gradients bit for bit on cpu (network)', async () => {
    await initBackend('cpu');
    const net = buildNetwork(GENOTYPE, { channels: 2, cellsPerStage: 1, inputChannels: 1, numClasses: 10 }, new Rng(6));
    try {
      const { reference, lean } = compare(net, 8, 1);
      expect(lean.grads).toEqual(reference.grads);
      expect(lean.leaked).toBe(0);
    } finally {
      net.dispose();
      await initBackend('wasm');
    }
  });
});

describe('training-step memory off wasm', () => {
  it('measures from the engine\'s distinct buffers off wasm, and leaves the engine as it was', async () => {
    await initBackend('cpu');
    const net = buildNetwork(GENOTYPE, { channels: 2, cellsPerStage: 1, inputChannels: 1, numClasses: 10 }, new Rng(7));
    try {
      const probe: StepMemoryProbe = { key: 'cpu-test', model: net, inputShape: [8, 8, 1], numClasses: 10 };
      const estimate = measureTrainingStepMemory(probe);
      expect(estimate.method).toBe('engine-buffers');
      expect(estimate.samples[0].peakBytes).toBeGreaterThan(0);
      expect(estimate.bytesPerSample).toBeGreaterThan(0);
      // The probe's counting wrappers are gone again.
      expect(Object.prototype.hasOwnProperty.call(tf.engine(), 'trackTensor')).toBe(false);
      expect(Object.prototype.hasOwnProperty.call(tf.engine(), 'removeDataId')).toBe(false);
    } finally {
      net.dispose();
      await initBackend('wasm');
    }
  });
});
