/**
 * Shared helpers of the harness/engine tests: backend switching with plain arrays crossing between
 * backends, the relative-error measure and its float32 tolerance, seeded random inputs, float64
 * reference implementations (convolution, average pooling) and central finite differences.
 * Not part of the public entry.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend, type BackendName } from './backend.js';
import { convGeometry, poolGeometry, type ConvGeometry } from './kernels/conv-geometry.js';
import { Rng } from './rng.js';

/**
 * ‖a − b‖/‖b‖ for a custom kernel against a reference on fresh random inputs in float32
 * (environment.md): float32 rounding of sums of at most a few thousand terms stays near 1e-6.
 */
export const FLOAT32_TOLERANCE = 1e-4;

/**
 * Relative tolerance of a second-order autodiff result against central finite differences: the
 * missing terms the gradient fixes restore change results by 6 %–94 % (environment.md), while a
 * float32 autodiff result against a float64 difference quotient is off by ~1e-5.
 */
export const FINITE_DIFFERENCE_TOLERANCE = 1e-2;

/** ‖a − b‖₂ / ‖b‖₂ in float64; throws on a length mismatch or an all-zero reference. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: lengths differ (${a.length} vs ${b.length})`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    diff += d * d;
    norm += b[i]! * b[i]!;
  }
  if (norm === 0) throw new Error('relativeError: the reference is all zeros (a vacuous comparison)');
  return Math.sqrt(diff / norm);
}

/** Euclidean norm in float64. */
export function norm2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** `n` standard normal values times `scale`, as float32. */
export function randomNormal(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
  return out;
}

/** Product of a shape's dimensions. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Concatenates arrays into one float64 vector (for a relative error over many gradients). */
export function concat(parts: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(Array.from(p), at);
    at += p.length;
  }
  return out;
}

/** A float32 copy of a tensor's values (the cpu backend's dataSync aliases its storage). */
export function values(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/**
 * Activates `backend` (registering naspoison's kernels and gradient fixes), runs `fn` in a
 * tensor scope and returns its plain result; tensors created inside are freed.
 */
export async function onBackend<T>(backend: BackendName, fn: () => T): Promise<T> {
  await initBackend(backend);
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/** Number of buffers the active wasm backend holds (a leak check for kernels composed of kernels). */
export function wasmBufferCount(): number {
  return (tf.backend() as BackendWasm).numDataIds();
}

/** Central difference quotients of `f` at `theta` (float64), one per coordinate. */
export function centralDifferences(f: (theta: Float64Array) => number, theta: ArrayLike<number>, eps: number): Float64Array {
  const at = Float64Array.from(theta as ArrayLike<number>);
  const out = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    const keep = at[i]!;
    at[i] = keep + eps;
    const plus = f(at);
    at[i] = keep - eps;
    const minus = f(at);
    at[i] = keep;
    out[i] = (plus - minus) / (2 * eps);
  }
  return out;
}

export type Padding = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

/** Resolves a conv geometry exactly as the kernels do (x NHWC, filter [kH, kW, inC, outC]). */
export function geometryOf(xShape: readonly number[], filterShape: readonly number[], strides: number | [number, number], pad: Padding): ConvGeometry {
  return convGeometry(xShape, filterShape, strides, pad, undefined, 'NHWC');
}

/** Float64 NHWC convolution (cross-correlation, as tf.conv2d): y = conv(x, w). */
export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const y = new Float64Array(g.batch * g.outH * g.outW * g.outC);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const yBase = ((n * g.outH + oh) * g.outW + ow) * g.outC;
        for (let i = 0; i < g.kH; i++) {
          const ih = oh * g.strideH - g.padTop + i;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kW; j++) {
            const iw = ow * g.strideW - g.padLeft + j;
            if (iw < 0 || iw >= g.inW) continue;
            const xBase = ((n * g.inH + ih) * g.inW + iw) * g.inC;
            const wBase = (i * g.kW + j) * g.inC * g.outC;
            for (let ci = 0; ci < g.inC; ci++) {
              const xv = x[xBase + ci]!;
              for (let co = 0; co < g.outC; co++) y[yBase + co] = y[yBase + co]! + xv * w[wBase + ci * g.outC + co]!;
            }
          }
        }
      }
    }
  }
  return y;
}

/** Float64 filter gradient of {@link conv2dRef}: dW = Σ x-patch ⊗ dy. */
export function conv2dBackpropFilterRef(x: ArrayLike<number>, dy: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.kH * g.kW * g.inC * g.outC);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const yBase = ((n * g.outH + oh) * g.outW + ow) * g.outC;
        for (let i = 0; i < g.kH; i++) {
          const ih = oh * g.strideH - g.padTop + i;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kW; j++) {
            const iw = ow * g.strideW - g.padLeft + j;
            if (iw < 0 || iw >= g.inW) continue;
            const xBase = ((n * g.inH + ih) * g.inW + iw) * g.inC;
            const wBase = (i * g.kW + j) * g.inC * g.outC;
            for (let ci = 0; ci < g.inC; ci++) {
              const xv = x[xBase + ci]!;
              for (let co = 0; co < g.outC; co++) dw[wBase + ci * g.outC + co] = dw[wBase + ci * g.outC + co]! + xv * dy[yBase + co]!;
            }
          }
        }
      }
    }
  }
  return dw;
}

/** Float64 input gradient of {@link conv2dRef}: dx = Σ dy ⊗ w scattered over each receptive field. */
export function conv2dBackpropInputRef(dy: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.batch * g.inH * g.inW * g.inC);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const yBase = ((n * g.outH + oh) * g.outW + ow) * g.outC;
        for (let i = 0; i < g.kH; i++) {
          const ih = oh * g.strideH - g.padTop + i;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kW; j++) {
            const iw = ow * g.strideW - g.padLeft + j;
            if (iw < 0 || iw >= g.inW) continue;
            const xBase = ((n * g.inH + ih) * g.inW + iw) * g.inC;
            const wBase = (i * g.kW + j) * g.inC * g.outC;
            for (let ci = 0; ci < g.inC; ci++) {
              let s = dx[xBase + ci]!;
              for (let co = 0; co < g.outC; co++) s += dy[yBase + co]! * w[wBase + ci * g.outC + co]!;
              dx[xBase + ci] = s;
            }
          }
        }
      }
    }
  }
  return dx;
}

/** Geometry of a 2-D average pool, padding resolved as tfjs does. */
export const poolGeometryOf = poolGeometry;

/**
 * Float64 average pool that excludes padding from each window's count (TF semantics and PyTorch's
 * count_include_pad=False), with its exact adjoint: `forward` maps x → y, `adjoint` maps dy → dx.
 */
export function avgPoolRef(g: ConvGeometry): { forward(x: ArrayLike<number>): Float64Array; adjoint(dy: ArrayLike<number>): Float64Array } {
  const C = g.inC;
  const windows = (visit: (inBase: number, outBase: number, inv: number) => void): void => {
    for (let n = 0; n < g.batch; n++) {
      for (let oh = 0; oh < g.outH; oh++) {
        const h0 = Math.max(0, oh * g.strideH - g.padTop);
        const h1 = Math.min(g.inH, oh * g.strideH - g.padTop + g.kH);
        for (let ow = 0; ow < g.outW; ow++) {
          const w0 = Math.max(0, ow * g.strideW - g.padLeft);
          const w1 = Math.min(g.inW, ow * g.strideW - g.padLeft + g.kW);
          const inv = 1 / ((h1 - h0) * (w1 - w0));
          const outBase = ((n * g.outH + oh) * g.outW + ow) * C;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) visit(((n * g.inH + h) * g.inW + w) * C, outBase, inv);
        }
      }
    }
  };
  return {
    forward(x) {
      const y = new Float64Array(g.batch * g.outH * g.outW * C);
      windows((i, o, inv) => {
        for (let c = 0; c < C; c++) y[o + c] = y[o + c]! + x[i + c]! * inv;
      });
      return y;
    },
    adjoint(dy) {
      const dx = new Float64Array(g.batch * g.inH * g.inW * C);
      windows((i, o, inv) => {
        for (let c = 0; c < C; c++) dx[i + c] = dx[i + c]! + dy[o + c]! * inv;
      });
      return dx;
    },
  };
}

/** Seeded generator for a test, so every file draws its own reproducible stream. */
export function testRng(label: string): Rng {
  return new Rng(20_261_128).child('engine-tests', label);
}

/** tf.grad for a function of a tensor of known rank (tf.grad's typing wants a plain Tensor). */
export function gradOf<T extends tf.Tensor>(f: (x: T) => tf.Tensor): (x: T) => T {
  return tf.grad(f as unknown as (x: tf.Tensor) => tf.Tensor) as unknown as (x: T) => T;
}
