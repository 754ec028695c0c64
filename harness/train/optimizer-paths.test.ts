/**
 * The optimiser updates have two implementations: a multi-tensor kernel on wasm and cpu, and
 * composite tensor ops on every other backend (webgpu, tensorflow). The composite path is what a
 * GPU runs, and no GPU is here: it is checked on cpu against the kernel by unregistering the
 * kernel for the duration of a test. The kernel itself is checked against float64 formulas.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { OPTIMIZER_KERNELS, ADAM_UPDATE, RUNNING_STATS, SGD_UPDATE } from '../engine/kernels/optimizer-updates.js';
import { ParamStore, batchNormLayer } from '../engine/nn.js';
import { Rng } from '../engine/rng.js';
import { relativeError } from '../engine/test-utils.js';
import { Adam } from './adam.js';
import { Sgd } from './sgd.js';

const SHAPES = [[3, 3, 2, 4], [4], [5, 3]];

function randomArrays(seed: number, scale = 1): Float32Array[] {
  const rng = new Rng(seed);
  return SHAPES.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()));
}

/** Runs `steps` updates from fixed weights and gradients; the final weights, flattened. */
async function optimise(update: (vars: tf.Variable[], grads: Map<tf.Variable, tf.Tensor>, step: number) => void, steps: number): Promise<number[]> {
  const vars = randomArrays(1).map((a, i) => tf.variable(tf.tensor(a, SHAPES[i]!)));
  for (let step = 0; step < steps; step++) {
    const grads = new Map(randomArrays(10 + step, 3).map((a, i) => [vars[i]!, tf.tensor(a, SHAPES[i]!)] as [tf.Variable, tf.Tensor]));
    update(vars, grads, step);
    tf.dispose([...grads.values()]);
  }
  const values = (await Promise.all(vars.map((v) => v.data()))).flatMap((a) => Array.from(a));
  tf.dispose(vars);
  return values;
}

/** The same computation with `kernelName` unregistered on cpu: the composite path. */
async function withoutKernel<T>(kernelName: string, run: () => Promise<T>): Promise<T> {
  tf.unregisterKernel(kernelName, 'cpu');
  try {
    return await run();
  } finally {
    tf.registerKernel(OPTIMIZER_KERNELS.find((k) => k.kernelName === kernelName && k.backendName === 'cpu')!);
  }
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('SGD', () => {
  const options = { momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
  const run = (maxNorm: number) => {
    const sgd = new Sgd(options);
    return optimise((vars, grads, step) => sgd.step(vars, grads, 0.1 / (step + 1), maxNorm), 3).finally(() => sgd.dispose());
  };

  test('the kernel follows the float64 formulas (Nesterov, weight decay, global-norm clipping)', async () => {
    const maxNorm = 2;
    const w = randomArrays(1).map((a) => Float64Array.from(a));
    const b = w.map((a) => new Float64Array(a.length));
    for (let step = 0; step < 3; step++) {
      const g = randomArrays(10 + step, 3);
      const norm = Math.sqrt(g.reduce((s, a) => s + a.reduce((t, x) => t + x * x, 0), 0));
      const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
      w.forEach((wk, k) => {
        for (let i = 0; i < wk.length; i++) {
          const d = scale * g[k]![i]! + options.weightDecay * wk[i]!;
          b[k]![i] = step === 0 ? d : options.momentum * b[k]![i]! + d;
          wk[i] = wk[i]! - (0.1 / (step + 1)) * (d + options.momentum * b[k]![i]!);
        }
      });
    }
    expect(relativeError(await run(maxNorm), w.flatMap((a) => Array.from(a)))).toBeLessThan(1e-6);
  });

  test.each([0, 2])('composite tensor ops (the webgpu path) match the kernel, max norm %d', async (maxNorm) => {
    const fused = await run(maxNorm);
    const composite = await withoutKernel(SGD_UPDATE, () => run(maxNorm));
    expect(relativeError(composite, fused)).toBeLessThan(1e-6);
  });
});

describe('Adam', () => {
  const run = () => {
    const adam = new Adam({ learningRate: 3e-4, beta1: 0.5, beta2: 0.999, weightDecay: 1e-3 });
    return optimise((vars, grads) => adam.apply(vars, grads), 3).finally(() => adam.dispose());
  };

  test('composite tensor ops (the webgpu path) match the kernel', async () => {
    const fused = await run();
    const composite = await withoutKernel(ADAM_UPDATE, run);
    const initial = randomArrays(1).flatMap((a) => Array.from(a));
    // Compare the updates, not the weights (3 Adam steps move them by ~1e-3).
    const delta = (w: number[]) => w.map((x, i) => x - initial[i]!);
    expect(relativeError(delta(composite), delta(fused))).toBeLessThan(1e-4);
  });
});

describe('batch-norm running statistics', () => {
  const run = async () => {
    const store = new ParamStore(new Rng(2));
    const bn = batchNormLayer(store, 3, { momentum: 0.1 });
    const rng = new Rng(4);
    for (let step = 0; step < 3; step++) {
      const x = tf.tensor4d(Float32Array.from({ length: 4 * 5 * 5 * 3 }, () => 2 + 3 * rng.normal()), [4, 5, 5, 3]);
      tf.dispose([bn(x, { training: true }), x]);
    }
    const [mean, variance] = store.state;
    const values = [...(await mean!.data()), ...(await variance!.data())];
    store.dispose();
    return values;
  };

  test('composite tensor ops (the webgpu path) match the kernel, and both moved from (0, 1)', async () => {
    const fused = await run();
    const composite = await withoutKernel(RUNNING_STATS, run);
    expect(relativeError(composite, fused)).toBeLessThan(1e-6);
    expect(fused.slice(0, 3).every((m) => m > 0.3)).toBe(true);
  });
});

afterEach(() => {
  for (const k of [SGD_UPDATE, ADAM_UPDATE, RUNNING_STATS]) expect(tf.getKernel(k, 'cpu')).toBeDefined();
});
