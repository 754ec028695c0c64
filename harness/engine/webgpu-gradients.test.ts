/**
 * Gradients on webgpu against the `cpu` backend, on identical weights and data: the NB201 network
 * (a genotype with every op) and the supernet (all five ops on every edge, softmax(α) mixing, skip
 * dropout), batch norm in train mode and in eval mode, every parameter and α — relative L2 error of
 * all gradients < 1e-3 — and the ops they are built from one by one (< 1e-4), so that a remaining
 * discrepancy names its op. No WebGPU device error may occur (a Dawn validation message means some
 * kernel's output is garbage).
 *
 * Runs wherever the webgpu backend initialises (a GPU with Vulkan; see benchmarks/gpu/) and is
 * skipped elsewhere with the reason. Every read is `await tensor.data()`: dataSync cannot work on
 * webgpu in Node. Each relative error is printed (prefix `webgpu-vs-cpu`) for benchmarks/gpu/check.sh.
 * NASPOISON_GRADIENT_CHECK_BACKEND=wasm runs the same checks for wasm (a CPU machine's self-test).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { makeGenotype } from '../space/genotype.js';
import { buildNetwork, type Network } from '../space/network.js';
import { buildSupernet } from '../space/supernet.js';
import { initBackend, parseBackendChoice, type BackendName } from './backend.js';
import { Rng } from './rng.js';
import { concat, norm2, randomNormal, relativeError, testRng } from './test-utils.js';
import { assertNoDeviceErrors, deviceErrors } from './webgpu/device.js';
import { originalWebgpuKernel } from './webgpu/register.js';

/** Whole networks: float32 sums in different orders (split-K atomics, tree reductions) over ~10⁴ terms. */
const NETWORK_TOLERANCE = 1e-3;
/** Single ops on fresh random inputs (environment.md's float32 criterion for a kernel). */
const OP_TOLERANCE = 1e-4;

/**
 * The backend checked against cpu: webgpu, unless NASPOISON_GRADIENT_CHECK_BACKEND names another
 * (e.g. wasm, to exercise this file on a machine without a GPU).
 */
const UNDER_TEST: BackendName = (() => {
  const choice = parseBackendChoice(process.env.NASPOISON_GRADIENT_CHECK_BACKEND || 'webgpu', 'NASPOISON_GRADIENT_CHECK_BACKEND');
  if (choice === 'auto' || choice === 'cpu') throw new Error('NASPOISON_GRADIENT_CHECK_BACKEND: name a backend other than cpu');
  return choice;
})();
const PREFIX = `${UNDER_TEST}-vs-cpu`;

async function probe(): Promise<string | undefined> {
  try {
    await initBackend(UNDER_TEST);
    return undefined;
  } catch (error) {
    return `${UNDER_TEST} is not available here: ${(error as Error).message}`;
  }
}

const unavailable = await probe();
if (unavailable !== undefined) console.log(`${PREFIX} SKIPPED: ${unavailable}`);

const CONFIG = { channels: 8, cellsPerStage: 1, inputChannels: 1, numClasses: 10 };
const BATCH = 8;
const SIZE = 16;
/** Every NB201 op at least once: (1←0) 3×3 conv, (2←0) skip, (2←1) 1×1 conv, (3←0) pool, (3←1) none, (3←2) 3×3 conv. */
const GENOTYPE = makeGenotype(['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'nor_conv_3x3']);
const SEED = 4_243;

const rng = testRng('webgpu-gradients');
const images = randomNormal(rng, BATCH * SIZE * SIZE);
const labels = Int32Array.from({ length: BATCH }, () => rng.int(CONFIG.numClasses));
const initialAlphas = Array.from({ length: 6 }, () => Array.from(randomNormal(rng, 5, 0.5)));

/** Runs `fn` on `backend` inside a tensor scope (async-safe: the tests run one at a time). */
async function onBackendAsync<T>(backend: BackendName, fn: () => Promise<T>): Promise<T> {
  await initBackend(backend);
  tf.engine().startScope();
  try {
    return await fn();
  } finally {
    tf.engine().endScope();
  }
}

/** Float32 copies of tensors, read asynchronously. */
async function read(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(tensors.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
}

interface NetResult {
  loss: number;
  grads: Float32Array[];
  labels: string[];
}

type Model = { net: Network; extra: tf.Variable[] };

async function networkGradients(build: () => Model, training: boolean): Promise<NetResult> {
  const { net, extra } = build();
  try {
    const x = tf.tensor4d(images, [BATCH, SIZE, SIZE, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), CONFIG.numClasses);
    if (!training) {
      // One training-mode pass first, so eval mode normalises with running statistics that differ
      // from the initial (0, 1).
      tf.tidy(() => {
        net.forward(x, { training: true });
      });
    }
    const vars = [...net.params.weights, ...extra];
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, { training })) as tf.Scalar, vars);
    const [loss] = await read([value]);
    const all = await read(vars.map((v) => grads[v.name]!));
    return { loss: loss![0]!, grads: all, labels: vars.map((v, i) => (i < net.params.weights.length ? `weight ${i} [${v.shape.join('×')}]` : `α ${i - net.params.weights.length}`)) };
  } finally {
    net.dispose();
  }
}

const network = (): Model => ({ net: buildNetwork(GENOTYPE, CONFIG, new Rng(SEED)), extra: [] });
const supernet = (): Model => {
  const net = buildSupernet({ ...CONFIG, initialAlphas }, new Rng(SEED));
  net.skipDropout = 0.2;
  return { net, extra: net.archParameters() };
};

function expectNoDeviceErrors(): void {
  expect(deviceErrors().map((e) => e.message)).toEqual([]);
  assertNoDeviceErrors('the gradient check');
}

describe.skipIf(unavailable !== undefined)(`NB201 gradients on ${UNDER_TEST} match cpu`, () => {
  const cases = [
    { name: 'network (every op), batch norm in train mode', build: network, training: true },
    { name: 'network (every op), batch norm in eval mode', build: network, training: false },
    { name: 'supernet (weights and α, skip dropout 0.2), batch norm in train mode', build: supernet, training: true },
    { name: 'supernet (weights and α), batch norm in eval mode', build: supernet, training: false },
  ];

  it.for(cases.map((c) => [c.name, c] as const))('%s', async ([name, c], ctx) => {
    ctx.skip(unavailable !== undefined, unavailable);
    const cpu = await onBackendAsync('cpu', () => networkGradients(c.build, c.training));
    const gpu = await onBackendAsync(UNDER_TEST, () => networkGradients(c.build, c.training));
    expectNoDeviceErrors();
    const all = relativeError(concat(gpu.grads), concat(cpu.grads));
    const scale = norm2(concat(cpu.grads));
    const worst = cpu.grads
      .map((ref, i) => ({ label: cpu.labels[i]!, error: norm2(ref.map((v, k) => v - gpu.grads[i]![k]!)) / scale }))
      .sort((a, b) => b.error - a.error)[0]!;
    console.log(
      `${PREFIX} ${name}: all gradients ${all.toExponential(2)}, worst tensor ${worst.label} ${worst.error.toExponential(2)} (of the norm of all), loss ${gpu.loss.toFixed(6)} vs ${cpu.loss.toFixed(6)}`,
    );
    expect(gpu.grads.length).toBe(cpu.grads.length);
    expect(Math.abs(gpu.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(NETWORK_TOLERANCE);
    expect(all, 'all gradients').toBeLessThan(NETWORK_TOLERANCE);
    expect(worst.error, worst.label).toBeLessThan(NETWORK_TOLERANCE);
  });
});

describe.skipIf(unavailable !== undefined || UNDER_TEST !== 'webgpu')("diagnostic: the network with tfjs-webgpu's own AvgPoolGrad", () => {
  // The issue measured a relative error of 0.32 (eval-mode batch norm) before naspoison's kernels.
  // On cpu, swapping in the k²-dividing AvgPoolGrad alone moves this network's gradients by ~0.1:
  // this prints what it does on the GPU, to tell how much of the 0.32 it explains.
  it('prints the error with the original kernel swapped back in (must be large: it is wrong)', async (ctx) => {
    ctx.skip(unavailable !== undefined, unavailable);
    const original = originalWebgpuKernel('AvgPoolGrad')!;
    const replaced = tf.getKernel('AvgPoolGrad', 'webgpu')!;
    expect(original).not.toBe(replaced);
    const cpu = await onBackendAsync('cpu', () => networkGradients(network, false));
    tf.unregisterKernel('AvgPoolGrad', 'webgpu');
    tf.registerKernel(original);
    let gpu: NetResult;
    try {
      gpu = await onBackendAsync(UNDER_TEST, () => networkGradients(network, false));
    } finally {
      tf.unregisterKernel('AvgPoolGrad', 'webgpu');
      tf.registerKernel(replaced);
    }
    expectNoDeviceErrors();
    const error = relativeError(concat(gpu.grads), concat(cpu.grads));
    console.log(`${PREFIX} diagnostic: network, eval-mode batch norm, with tfjs-webgpu's original AvgPoolGrad: all gradients ${error.toExponential(2)}`);
    expect(error).toBeGreaterThan(1e-2);
  });
});

/** One op of the network: its inputs' shapes and the op; loss = Σ op(inputs) ⊙ w for a random w. */
interface OpCase {
  name: string;
  shapes: number[][];
  op: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Inputs whose gradient is not compared (integer-like or constant operands). */
  noGrad?: number[];
}

const P1: tf.backend_util.ExplicitPadding = [[0, 0], [1, 1], [1, 1], [0, 0]];
const x4 = (t: tf.Tensor): tf.Tensor4D => t as tf.Tensor4D;

const OPS: OpCase[] = [
  { name: 'conv2d 3×3 s1 pad 1 (nor_conv_3x3)', shapes: [[8, 16, 16, 8], [3, 3, 8, 8]], op: (x, w) => tf.conv2d(x4(x), x4(w), 1, P1) },
  { name: 'conv2d 1×1 (nor_conv_1x1, shortcut)', shapes: [[8, 16, 16, 8], [1, 1, 8, 8]], op: (x, w) => tf.conv2d(x4(x), x4(w), 1, 'valid') },
  { name: 'conv2d 3×3 s2 pad 1, 8 → 16 (residual convA)', shapes: [[8, 16, 16, 8], [3, 3, 8, 16]], op: (x, w) => tf.conv2d(x4(x), x4(w), 2, P1) },
  { name: 'conv2d 3×3 s1 pad 1, 1 → 8 (stem)', shapes: [[8, 16, 16, 1], [3, 3, 1, 8]], op: (x, w) => tf.conv2d(x4(x), x4(w), 1, P1) },
  { name: 'conv2d 3×3 s1 pad 1 at 4×4×32 (last stage)', shapes: [[8, 4, 4, 32], [3, 3, 32, 32]], op: (x, w) => tf.conv2d(x4(x), x4(w), 1, P1) },
  { name: 'avgPool 3×3 s1 same (avg_pool_3x3), 16×16', shapes: [[8, 16, 16, 8]], op: (x) => tf.avgPool(x4(x), 3, 1, 'same') },
  { name: 'avgPool 3×3 s1 same at 4×4×32', shapes: [[8, 4, 4, 32]], op: (x) => tf.avgPool(x4(x), 3, 1, 'same') },
  { name: 'avgPool 2×2 s2 valid (shortcut)', shapes: [[8, 16, 16, 8]], op: (x) => tf.avgPool(x4(x), 2, 2, 'valid') },
  { name: 'avgPool over the whole 16×16 map (batch-norm channel mean)', shapes: [[8, 16, 16, 8]], op: (x) => tf.avgPool(x4(x), [16, 16], 1, 'valid') },
  { name: 'relu', shapes: [[8, 16, 16, 8]], op: (x) => tf.relu(x) },
  // Broadcasting binary ops take three different shader paths on webgpu (binary_op_webgpu.js):
  // shared memory for a rank-1 operand under 128 long, vec4 with a scalar, plain otherwise.
  { name: 'mul by a per-channel [8] (shared-memory path)', shapes: [[8, 16, 16, 8], [8]], op: (x, g) => tf.mul(x!, g!) },
  { name: 'sub a per-channel [8] (batch-norm centring)', shapes: [[8, 16, 16, 8], [8]], op: (x, m) => tf.sub(x!, m!) },
  { name: 'mul by a scalar tensor (supernet mixing weight, vec4 path)', shapes: [[8, 8, 8, 16], []], op: (x, w) => tf.mul(x!, w!) },
  { name: 'add a [10] bias to [8, 10] (classifier)', shapes: [[8, 10], [10]], op: (x, b) => tf.add(x!, b!) },
  { name: 'mul by [1, 1, 1, 8] (vec4 path with broadcast)', shapes: [[8, 16, 16, 8], [1, 1, 1, 8]], op: (x, g) => tf.mul(x!, g!) },
  {
    name: 'batch norm, eval mode (tf.batchNorm with running statistics)',
    shapes: [[8, 16, 16, 8], [8], [8], [8], [8]],
    op: (x, m, v, b, g) => tf.batchNorm(x4(x), m as tf.Tensor1D, tf.add(tf.abs(v!), 0.5) as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5),
  },
  {
    name: 'batch norm, train mode from mean/sub/square/rsqrt/mul',
    shapes: [[8, 16, 16, 8], [8], [8]],
    op: (x, g, b) => {
      const mean = tf.mean(x!, [0, 1, 2]);
      const centred = tf.sub(x!, mean);
      const inv = tf.rsqrt(tf.add(tf.mean(tf.square(centred), [0, 1, 2]), 1e-5));
      return tf.add(tf.mul(centred, tf.mul(inv, g!)), b!);
    },
  },
  { name: 'addN of 3', shapes: [[8, 16, 16, 8], [8, 16, 16, 8], [8, 16, 16, 8]], op: (...xs) => tf.addN(xs) },
  { name: 'addN of 12 (supernet node 3)', shapes: Array.from({ length: 12 }, () => [8, 4, 4, 32]), op: (...xs) => tf.addN(xs) },
  { name: 'addN of 20 (beyond a 16-buffer device)', shapes: Array.from({ length: 20 }, () => [4, 4, 4, 8]), op: (...xs) => tf.addN(xs) },
  { name: 'concat on channels', shapes: [[8, 8, 8, 8], [8, 8, 8, 16]], op: (a, b) => tf.concat([a!, b!], 3) },
  { name: 'mean over H, W (global average pool)', shapes: [[8, 4, 4, 32]], op: (x) => tf.mean(x!, [1, 2]) },
  { name: 'sum over N, H, W (bias-style reduction)', shapes: [[8, 16, 16, 8]], op: (x) => tf.sum(x!, [0, 1, 2]) },
  { name: 'matMul + bias (classifier)', shapes: [[8, 32], [32, 10], [10]], op: (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b!) },
  { name: 'matMul with a long inner dimension (split-K path)', shapes: [[2048, 72], [2048, 8]], op: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false) },
  {
    name: 'softmax cross-entropy (tf.losses)',
    shapes: [[8, 10]],
    op: (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), logits!),
  },
  {
    name: 'softmax(α) → unstack → scaled sum (supernet mixing)',
    shapes: [[5], [8, 4, 4, 8], [8, 4, 4, 8], [8, 4, 4, 8], [8, 4, 4, 8], [8, 4, 4, 8]],
    op: (a, ...xs) => {
      const w = tf.unstack(tf.softmax(a!));
      return tf.addN(xs.map((x, k) => tf.mul(x, w[k]!)));
    },
  },
  { name: 'dropout 0.2 (seeded: same mask on both backends)', shapes: [[8, 16, 16, 8]], op: (x) => tf.dropout(x!, 0.2, undefined, 1234) },
];

interface OpResult {
  forward: Float32Array;
  grads: Float32Array[];
}

async function opResult(c: OpCase, inputs: Float32Array[], weights: (shape: number[]) => Float32Array): Promise<OpResult> {
  const xs = inputs.map((v, i) => tf.tensor(v, c.shapes[i]!));
  const out = c.op(...xs);
  const w = tf.tensor(weights(out.shape), out.shape);
  const [forward] = await read([out]);
  const grads = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(c.op(...ys), w)))(xs);
  return { forward: forward!, grads: await read(grads) };
}

describe.skipIf(unavailable !== undefined)(`the ops of NB201 on ${UNDER_TEST} match cpu (forward and gradients)`, () => {
  it.for(OPS.map((c) => [c.name, c] as const))('%s', async ([name, c], ctx) => {
    ctx.skip(unavailable !== undefined, unavailable);
    const opRng = testRng(`webgpu-op ${name}`);
    const inputs = c.shapes.map((s) => randomNormal(opRng, s.reduce((a, b) => a * b, 1)));
    const weightValues = new Map<string, Float32Array>();
    const weights = (shape: number[]): Float32Array => {
      const key = shape.join('×');
      if (!weightValues.has(key)) weightValues.set(key, randomNormal(opRng, shape.reduce((a, b) => a * b, 1)));
      return weightValues.get(key)!;
    };
    const cpu = await onBackendAsync('cpu', () => opResult(c, inputs, weights));
    const gpu = await onBackendAsync(UNDER_TEST, () => opResult(c, inputs, weights));
    expectNoDeviceErrors();
    const forward = relativeError(gpu.forward, cpu.forward);
    const grads = cpu.grads.map((ref, i) => (c.noGrad?.includes(i) ? 0 : relativeError(gpu.grads[i]!, ref)));
    console.log(`${PREFIX} op ${name}: forward ${forward.toExponential(2)}, gradients ${grads.map((e) => e.toExponential(2)).join(' ')}`);
    expect(forward, 'forward').toBeLessThan(OP_TOLERANCE);
    grads.forEach((e, i) => expect(e, `gradient of input ${i}`).toBeLessThan(OP_TOLERANCE));
  });
});
