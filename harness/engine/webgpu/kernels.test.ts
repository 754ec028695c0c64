/**
 * naspoison's webgpu kernel compositions, checked without a GPU: each is parameterised by backend
 * name, so the very code registered for `webgpu` is registered here for `cpu` under a test-only
 * kernel name, composed of cpu kernels, and compared with float64 references and tfjs's cpu kernels
 * on fresh random non-zero float32 inputs (relative L2 < 1e-4).
 *
 * What this cannot check: that webgpu's own Multiply, DepthwiseConv2dNative, BatchMatMul (split-K),
 * Transpose, Slice, Add and AddN compute what their cpu counterparts do. harness/engine/
 * webgpu-gradients.test.ts checks that on a GPU; dawn-null.test.ts checks here that Dawn accepts
 * every pipeline and binding the compositions create.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLOAT32_TOLERANCE,
  avgPoolRef,
  conv2dBackpropFilterRef,
  geometryOf,
  gradOf,
  onBackend,
  poolGeometryOf,
  randomNormal,
  relativeError,
  sizeOf,
  testRng,
  values,
  type Padding,
} from '../test-utils.js';
import { makeChunkedAddN, maxAddNInputs } from './add-n.js';
import { countCorrection, makeAvgPoolGrad, windowCounts } from './avg-pool-grad.js';
import { asBackendKernel, cachedConstantCount } from './compose.js';
import { makeConv2DBackpropFilter, oneHotFilter, planConv2DBackpropFilter } from './conv2d-backprop-filter.js';

// tfjs-backend-cpu's own kernels, captured before initBackend() replaces the cpu AvgPoolGrad with
// naspoison's corrected one (kernels/avg-pool-grad.ts). Module state is per test file.
const tfjsCpuAvgPoolGrad = tf.getKernel('AvgPoolGrad', 'cpu')!;
const tfjsCpuConvFilter = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
const tfjsCpuAddN = tf.getKernel('AddN', 'cpu')!;

const TEST_AVG_POOL_GRAD = 'NaspoisonTestWebgpuAvgPoolGrad';
const TEST_CONV_FILTER = 'NaspoisonTestWebgpuConv2DBackpropFilter';
const TEST_CONV_FILTER_SMALL = 'NaspoisonTestWebgpuConv2DBackpropFilterSmallChunks';
const TEST_ADD_N = (limit: number): string => `NaspoisonTestWebgpuAddN${limit}`;
const ADD_N_LIMITS = [2, 3, 7, 15];
/** Patch-matrix budget of the chunked variant, set per case (see `smallChunk`). */
let smallChunkBytes = 0;

const P1: Padding = [[0, 0], [1, 1], [1, 1], [0, 0]];

beforeAll(async () => {
  await onBackend('cpu', () => undefined);
  // The captured kernels must be tfjs's originals, not naspoison's replacements.
  expect(tf.getKernel('AvgPoolGrad', 'cpu')!.kernelFunc).not.toBe(tfjsCpuAvgPoolGrad.kernelFunc);
  const register = (kernelName: string, kernelFunc: tf.KernelFunc): void => {
    if (tf.getKernel(kernelName, 'cpu') === undefined) tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
  };
  register(TEST_AVG_POOL_GRAD, makeAvgPoolGrad('cpu', asBackendKernel(tfjsCpuAvgPoolGrad.kernelFunc, 'AvgPoolGrad (tfjs cpu)')));
  const fallback = asBackendKernel(tfjsCpuConvFilter.kernelFunc, 'Conv2DBackpropFilter (tfjs cpu)');
  register(TEST_CONV_FILTER, makeConv2DBackpropFilter('cpu', fallback, () => 2 ** 31));
  register(TEST_CONV_FILTER_SMALL, makeConv2DBackpropFilter('cpu', fallback, () => smallChunkBytes));
  for (const limit of ADD_N_LIMITS) register(TEST_ADD_N(limit), makeChunkedAddN(asBackendKernel(tfjsCpuAddN.kernelFunc, 'AddN (tfjs cpu)'), () => limit));
});

/** Data ids the cpu backend holds (a leak check; cached constants are made by a warm-up call first). */
function cpuDataIds(): number {
  return tf.engine().backend.numDataIds();
}

/**
 * tfjs-backend-webgpu 4.22's AvgPool2DBackpropProgram (avg_pool_backprop_webgpu.js) line by line in
 * JS, with the uniforms its AvgPoolGrad kernel passes: the semantics the webgpu composition wraps.
 */
function webgpuAvgPoolGradShader(dy: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const pads = [info.effectiveFilterHeight - 1 - info.padInfo.top, info.effectiveFilterWidth - 1 - info.padInfo.left];
  const avgMultiplier = 1 / (info.filterHeight * info.filterWidth);
  const dx = new Float32Array(N * H * W * C);
  for (let b = 0; b < N; b++) {
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        for (let d = 0; d < C; d++) {
          let dot = 0;
          for (let wR = 0; wR < info.effectiveFilterHeight; wR += info.dilationHeight) {
            const dyR = (r - pads[0]! + wR) / info.strideHeight;
            if (dyR < 0 || dyR >= OH || dyR % 1 > 0) continue;
            for (let wC = 0; wC < info.effectiveFilterWidth; wC += info.dilationWidth) {
              const dyC = (c - pads[1]! + wC) / info.strideWidth;
              if (dyC < 0 || dyC >= OW || dyC % 1 > 0) continue;
              dot += dy[((b * OH + dyR) * OW + dyC) * C + d]! * avgMultiplier;
            }
          }
          dx[((b * H + r) * W + c) * C + d] = dot;
        }
      }
    }
  }
  return dx;
}

interface PoolCase {
  name: string;
  x: [number, number, number, number];
  filter: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  /** Whether some window overlaps the padding (the original kernel is then wrong). */
  padded: boolean;
}

const POOL_CASES: PoolCase[] = [
  { name: '3×3 s1 same (NB201 avg_pool_3x3), 16×16×8', x: [8, 16, 16, 8], filter: 3, strides: 1, pad: 'same', padded: true },
  { name: '3×3 s1 same, 4×4 (NB201 last stage: every pixel at a border)', x: [4, 4, 4, 32], filter: 3, strides: 1, pad: 'same', padded: true },
  { name: '3×3 s1 same, odd non-square', x: [2, 7, 5, 3], filter: 3, strides: 1, pad: 'same', padded: true },
  { name: '3×3 s1 same, window wider than a 2×2 input', x: [3, 2, 2, 2], filter: 3, strides: 1, pad: 'same', padded: true },
  { name: '3×3 s1 pad 1 (numeric padding)', x: [2, 6, 6, 4], filter: 3, strides: 1, pad: 1, padded: true },
  { name: '2×2 s1 same (padding after only)', x: [2, 6, 6, 2], filter: 2, strides: 1, pad: 'same', padded: true },
  { name: '3×3 s2 same (padded, overlapping)', x: [2, 8, 8, 3], filter: 3, strides: 2, pad: 'same', padded: true },
  { name: '3×3 s2 same, odd size', x: [2, 9, 9, 2], filter: 3, strides: 2, pad: 'same', padded: true },
  { name: '2×3 strides [1, 2] same', x: [2, 6, 7, 2], filter: [2, 3], strides: [1, 2], pad: 'same', padded: true },
  { name: '2×2 s2 valid (NB201 shortcut pool)', x: [8, 16, 16, 8], filter: 2, strides: 2, pad: 'valid', padded: false },
  { name: '2×2 s2 valid, odd size (last row unread)', x: [2, 7, 7, 3], filter: 2, strides: 2, pad: 'valid', padded: false },
  { name: '3×3 s2 valid', x: [1, 9, 9, 2], filter: 3, strides: 2, pad: 'valid', padded: false },
  { name: 'global 5×5 pool (batch-norm channel mean)', x: [3, 5, 5, 4], filter: [5, 5], strides: 1, pad: 'valid', padded: false },
];

function infoOf(c: PoolCase): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(c.x, c.filter, c.strides, 1, c.pad);
}

function runPoolGrad(kernel: string | tf.KernelConfig, c: PoolCase, x: Float32Array, dy: Float32Array): Float32Array {
  const info = infoOf(c);
  return tf.tidy(() => {
    const inputs = { dy: tf.tensor4d(dy, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]), input: tf.tensor4d(x, c.x) };
    const attrs = { filterSize: c.filter, strides: c.strides, pad: c.pad };
    if (typeof kernel === 'string') return values(tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor);
    // A captured kernel function, called directly at the backend level.
    const out = kernel.kernelFunc({ inputs, backend: tf.engine().backend, attrs }) as tf.TensorInfo;
    return values(tf.engine().makeTensorFromTensorInfo(out));
  });
}

describe('AvgPoolGrad composition (dy · k²/count, then the k²-dividing kernel)', () => {
  const rng = testRng('webgpu-avg-pool-grad');
  const data = POOL_CASES.map((c) => {
    const info = infoOf(c);
    return { x: randomNormal(rng, sizeOf(c.x)), dy: randomNormal(rng, info.batchSize * info.outHeight * info.outWidth * info.outChannels) };
  });

  it('window counts and the correction map', () => {
    expect(windowCounts(4, 4, 3, 1, 1)).toEqual([2, 3, 3, 2]);
    expect(windowCounts(2, 4, 2, 2, 0)).toEqual([2, 2]);
    const info = tf.backend_util.computePool2DInfo([1, 4, 4, 1], 3, 1, 1, 'same');
    expect(Array.from(countCorrection(info)!)).toEqual([9 / 4, 9 / 6, 9 / 6, 9 / 4, 9 / 6, 1, 1, 9 / 6, 9 / 6, 1, 1, 9 / 6, 9 / 4, 9 / 6, 9 / 6, 9 / 4]);
    expect(countCorrection(tf.backend_util.computePool2DInfo([1, 8, 8, 1], 2, 2, 1, 'valid'))).toBeUndefined();
  });

  it.each(POOL_CASES.map((c, i) => [c.name, i] as const))('%s', async (_name, i) => {
    const c = POOL_CASES[i]!;
    const { x, dy } = data[i]!;
    const info = infoOf(c);
    // Pad 1 with a 3×3 stride-1 window is 'same' (the float64 reference resolves string paddings).
    const expected = avgPoolRef(poolGeometryOf(c.x, c.filter, c.strides, typeof c.pad === 'number' ? 'same' : c.pad)).adjoint(dy);
    await onBackend('cpu', () => {
      // The stand-in is faithful: tfjs's cpu kernel computes what the webgpu shader computes.
      const original = runPoolGrad(tfjsCpuAvgPoolGrad, c, x, dy);
      expect(relativeError(original, webgpuAvgPoolGradShader(dy, info))).toBeLessThan(1e-6);
      // …which is wrong exactly where windows overlap the padding.
      const originalError = relativeError(original, expected);
      if (c.padded) expect(originalError).toBeGreaterThan(1e-2);
      else expect(originalError).toBeLessThan(FLOAT32_TOLERANCE);

      runPoolGrad(TEST_AVG_POOL_GRAD, c, x, dy); // warm-up: creates the cached count map
      const before = cpuDataIds();
      const composed = runPoolGrad(TEST_AVG_POOL_GRAD, c, x, dy);
      expect(cpuDataIds(), 'intermediates freed').toBe(before);
      const error = relativeError(composed, expected);
      console.log(`AvgPoolGrad ${c.name}: composed ${error.toExponential(2)}, tfjs original ${originalError.toExponential(2)}`);
      expect(error).toBeLessThan(FLOAT32_TOLERANCE);
      // And it agrees with naspoison's corrected cpu kernel, which the cpu backend trains with.
      expect(relativeError(composed, runPoolGrad('AvgPoolGrad', c, x, dy))).toBeLessThan(FLOAT32_TOLERANCE);
    });
  });

  it('its gradient through tf.avgPool matches the cpu backend (the path training takes)', async () => {
    const c = POOL_CASES[0]!;
    const { x } = data[0]!;
    await onBackend('cpu', () => {
      const w = tf.tensor4d(randomNormal(testRng('pool-weights'), sizeOf(c.x)), c.x);
      const loss = (t: tf.Tensor4D): tf.Scalar => tf.sum(tf.mul(tf.avgPool(t, 3, 1, 'same'), w));
      const viaCpu = values(gradOf(loss)(tf.tensor4d(x, c.x)));
      // Stride 1 'same': dy has x's shape; d loss / d pool = w.
      const composed = runPoolGrad(TEST_AVG_POOL_GRAD, c, x, values(w));
      expect(relativeError(composed, viaCpu)).toBeLessThan(FLOAT32_TOLERANCE);
    });
  });
});

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Padding;
  plan: 'pointwise' | 'im2col' | 'fallback';
  /** Images per chunk of the chunked variant (default 1: one chunk per image). */
  smallChunk?: number;
}

const CONV_CASES: ConvCase[] = [
  { name: '3×3 s1 pad 1 (NB201 nor_conv_3x3), batch 8, 16×16×8', x: [8, 16, 16, 8], filter: [3, 3, 8, 8], strides: 1, pad: P1, plan: 'im2col', smallChunk: 3 },
  { name: '1×1 s1 (NB201 nor_conv_1x1 and shortcut), batch 8, 16×16×8', x: [8, 16, 16, 8], filter: [1, 1, 8, 8], strides: 1, pad: 'valid', plan: 'pointwise' },
  { name: '3×3 s2 pad 1 (NB201 residual convA), 16×16 → 8×8, 8 → 16', x: [8, 16, 16, 8], filter: [3, 3, 8, 16], strides: 2, pad: P1, plan: 'im2col', smallChunk: 5 },
  { name: '3×3 s2 pad 1, odd size', x: [3, 7, 7, 4], filter: [3, 3, 4, 5], strides: 2, pad: P1, plan: 'im2col', smallChunk: 2 },
  { name: '3×3 s1 pad 1, stem (1 input channel)', x: [4, 16, 16, 1], filter: [3, 3, 1, 8], strides: 1, pad: P1, plan: 'im2col' },
  { name: '3×3 s1 pad 1, last stage 4×4×32', x: [8, 4, 4, 32], filter: [3, 3, 32, 32], strides: 1, pad: P1, plan: 'im2col', smallChunk: 3 },
  { name: "3×3 s1 'same'", x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', plan: 'im2col' },
  { name: "3×3 s2 'same', even size (pad 0/1)", x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same', plan: 'im2col' },
  { name: "3×3 s2 'valid', even size (last row unread)", x: [2, 8, 8, 3], filter: [3, 3, 3, 6], strides: 2, pad: 'valid', plan: 'im2col' },
  { name: '3×3 s2 asymmetric explicit padding', x: [2, 6, 9, 2], filter: [3, 3, 2, 2], strides: 2, pad: [[0, 0], [0, 2], [1, 0], [0, 0]], plan: 'im2col' },
  { name: '1×3 strides [2, 1] valid', x: [2, 9, 8, 2], filter: [1, 3, 2, 3], strides: [2, 1], pad: 'valid', plan: 'im2col' },
  { name: '1×1 s2 valid (strided pointwise: one-hot im2col with T = 1)', x: [2, 9, 9, 3], filter: [1, 1, 3, 2], strides: 2, pad: 'valid', plan: 'im2col' },
  { name: '1×1 s1 pad 1 (PyTorch padding=1)', x: [2, 7, 7, 2], filter: [1, 1, 2, 3], strides: 1, pad: P1, plan: 'im2col' },
  { name: '2×2 s2 valid', x: [2, 8, 8, 3], filter: [2, 2, 3, 4], strides: 2, pad: 'valid', plan: 'im2col' },
  { name: '5×5 s1 same → original kernel', x: [2, 9, 9, 3], filter: [5, 5, 3, 4], strides: 1, pad: 'same', plan: 'fallback' },
  { name: '3×3 s3 valid → original kernel', x: [2, 9, 9, 3], filter: [3, 3, 3, 2], strides: 3, pad: 'valid', plan: 'fallback' },
];

function runDw(kernel: string, c: ConvCase, x: Float32Array, dy: Float32Array): Float32Array {
  const g = geometryOf(c.x, c.filter, c.strides, c.pad);
  return tf.tidy(() => {
    const out = tf.engine().runKernel(
      kernel,
      { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
    expect(out.shape).toEqual(c.filter);
    return values(out);
  });
}

describe('Conv2DBackpropFilter composition (one-hot depthwise im2col, then Pᵀ·dy)', () => {
  const rng = testRng('webgpu-conv2d-backprop-filter');
  const data = CONV_CASES.map((c) => {
    const g = geometryOf(c.x, c.filter, c.strides, c.pad);
    return { x: randomNormal(rng, sizeOf(c.x)), dy: randomNormal(rng, g.batch * g.outH * g.outW * g.outC) };
  });

  it('the one-hot filter picks tap t of channel ci into output channel ci·T + t', () => {
    const w = oneHotFilter(2, 2, 3); // [2, 2, 3, 4]
    for (let t = 0; t < 4; t++) {
      for (let ci = 0; ci < 3; ci++) {
        for (let q = 0; q < 4; q++) expect(w[(t * 3 + ci) * 4 + q]).toBe(q === t ? 1 : 0);
      }
    }
  });

  it('plans: NHWC only, windows up to 9 taps, strides up to 2, chunks that fit the binding limit', () => {
    const attrs = (extra: Partial<tf.Conv2DBackpropFilterAttrs>): tf.Conv2DBackpropFilterAttrs => ({
      strides: 1,
      pad: P1,
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
      filterShape: [3, 3, 16, 16],
      ...extra,
    });
    expect(planConv2DBackpropFilter([256, 32, 32, 16], attrs({ dataFormat: 'NCHW' }), 2 ** 31).kind).toBe('fallback');
    const big = planConv2DBackpropFilter([256, 32, 32, 16], attrs({}), 134_217_728);
    // Paper evaluation size: 151 MB of patches, split to fit the default 128 MiB binding.
    expect(big).toMatchObject({ kind: 'im2col', taps: 9, imagesPerChunk: 227 });
    expect(planConv2DBackpropFilter([256, 32, 32, 16], attrs({}), 2 ** 31)).toMatchObject({ kind: 'im2col', imagesPerChunk: 256 });
    expect(planConv2DBackpropFilter([2, 32, 32, 16], attrs({}), 1000)).toMatchObject({ kind: 'fallback' });
  });

  it.each(CONV_CASES.map((c, i) => [c.name, i] as const))('%s', async (_name, i) => {
    const c = CONV_CASES[i]!;
    const { x, dy } = data[i]!;
    const g = geometryOf(c.x, c.filter, c.strides, c.pad);
    const expected = conv2dBackpropFilterRef(x, dy, g);
    const attrs: tf.Conv2DBackpropFilterAttrs = { strides: c.strides, pad: c.pad as 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: c.filter };
    expect(planConv2DBackpropFilter(c.x, attrs, 2 ** 31).kind).toBe(c.plan);
    const taps = c.filter[0] * c.filter[1];
    smallChunkBytes = g.outH * g.outW * g.inC * taps * 4 * (c.smallChunk ?? 1);
    if (c.plan === 'im2col') expect(planConv2DBackpropFilter(c.x, attrs, smallChunkBytes)).toMatchObject({ kind: 'im2col', imagesPerChunk: c.smallChunk ?? 1 });
    await onBackend('cpu', () => {
      const original = runDw('Conv2DBackpropFilter', c, x, dy);
      expect(relativeError(original, expected)).toBeLessThan(FLOAT32_TOLERANCE);
      for (const kernel of [TEST_CONV_FILTER, TEST_CONV_FILTER_SMALL]) {
        runDw(kernel, c, x, dy); // warm-up: creates the cached one-hot filter
        const before = cpuDataIds();
        const composed = runDw(kernel, c, x, dy);
        expect(cpuDataIds(), `${kernel}: intermediates freed`).toBe(before);
        const error = relativeError(composed, expected);
        if (kernel === TEST_CONV_FILTER) console.log(`Conv2DBackpropFilter ${c.name}: composed ${error.toExponential(2)} (plan ${c.plan})`);
        expect(error, kernel).toBeLessThan(FLOAT32_TOLERANCE);
        expect(relativeError(composed, original), `${kernel} vs tfjs cpu`).toBeLessThan(FLOAT32_TOLERANCE);
      }
    });
  });

  it('the one-hot filter is cached per backend, not made per call', async () => {
    await onBackend('cpu', () => {
      const backend = tf.engine().backend;
      const c = CONV_CASES[0]!;
      const { x, dy } = data[0]!;
      runDw(TEST_CONV_FILTER, c, x, dy);
      const count = cachedConstantCount(backend);
      runDw(TEST_CONV_FILTER, c, x, dy);
      expect(cachedConstantCount(backend)).toBe(count);
    });
  });
});

describe('AddN within a storage-buffer limit', () => {
  it('inputs per shader: the limit minus the output', () => {
    expect(maxAddNInputs(8)).toBe(7);
    expect(maxAddNInputs(16)).toBe(15);
    expect(() => maxAddNInputs(2)).toThrow(/≥ 3/);
  });

  it.each(ADD_N_LIMITS)('at most %i inputs per call: equal to tf.addN for 1–20 tensors, nothing leaked', async (limit) => {
    const rng = testRng(`webgpu-add-n-${limit}`);
    await onBackend('cpu', () => {
      const calls: number[] = [];
      const spyName = `${TEST_ADD_N(limit)}Spy`;
      if (tf.getKernel(spyName, 'cpu') === undefined) {
        tf.registerKernel({
          kernelName: spyName,
          backendName: 'cpu',
          kernelFunc: makeChunkedAddN((args) => {
            calls.push(Object.keys(args.inputs).length);
            return asBackendKernel(tfjsCpuAddN.kernelFunc, 'AddN')(args);
          }, () => limit),
        });
      }
      for (let n = 1; n <= 20; n++) {
        const parts = Array.from({ length: n }, () => randomNormal(rng, 6 * 5));
        calls.length = 0;
        const before = cpuDataIds();
        const got = tf.tidy(() => {
          const ts = parts.map((p) => tf.tensor2d(p, [6, 5]));
          return values(tf.engine().runKernel(spyName, ts as unknown as tf.NamedTensorMap) as tf.Tensor);
        });
        expect(cpuDataIds(), `n = ${n}: intermediates freed`).toBe(before);
        const want = new Float64Array(30);
        for (const p of parts) p.forEach((v, k) => (want[k] = want[k]! + v));
        expect(relativeError(got, want), `n = ${n}`).toBeLessThan(FLOAT32_TOLERANCE);
        expect(Math.max(...calls), `n = ${n}: inputs per AddN`).toBeLessThanOrEqual(limit);
      }
    });
  });
});
