/**
 * Float64 reference for the gradient-canceling tests: the analytic weight gradient of the proxies'
 * one-conv test network (conv 3×3 → batch norm in evaluation mode → ReLU → global average pool →
 * linear; harness/proxies/test-networks.ts) and the canceling objective ‖a + p·∇_θ L(x + δ)‖² built
 * on it. An analytic gradient, not nested differences, so that one level of central differences
 * over δ measures the autodiff at float64 precision. Not part of the public entry.
 *
 * @module
 */
import { conv2dBackpropFilterRef, conv2dRef, geometryOf } from '../../engine/test-utils.js';
import { tinyLayout, type TinyShape } from '../../proxies/test-networks.js';

/** Batch-norm epsilon of engine/nn.ts's default. */
const BN_EPSILON = 1e-5;

/** Running statistics of the one batch norm (evaluation mode). */
export interface RunningStats {
  mean: Float64Array;
  variance: Float64Array;
}

/** Mean cross-entropy L and ∂L/∂θ (store order: conv, γ, β, linear W, linear b) in float64. */
export function lossAndGradient64(shape: TinyShape, theta: Float64Array, x: Float64Array, labels: ArrayLike<number>, stats: RunningStats): { loss: number; grad: Float64Array } {
  const { h, w, inC, c, k } = shape;
  const layout = tinyLayout(shape);
  const n = x.length / (h * w * inC);
  const g = geometryOf([n, h, w, inC], [3, 3, inC, c], 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const z = conv2dRef(x, theta.subarray(layout.conv, layout.gamma), g);
  const count = n * h * w;
  const inv = Float64Array.from({ length: c }, (_, ch) => 1 / Math.sqrt(stats.variance[ch]! + BN_EPSILON));
  const normed = new Float64Array(z.length);
  const pre = new Float64Array(z.length);
  for (let i = 0; i < count; i++) {
    for (let ch = 0; ch < c; ch++) {
      normed[i * c + ch] = (z[i * c + ch]! - stats.mean[ch]!) * inv[ch]!;
      pre[i * c + ch] = normed[i * c + ch]! * theta[layout.gamma + ch]! + theta[layout.beta + ch]!;
    }
  }
  const pooled = new Float64Array(n * c);
  for (let s = 0; s < n; s++) {
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) pooled[s * c + ch] = pooled[s * c + ch]! + Math.max(pre[(s * h * w + p) * c + ch]!, 0) / (h * w);
  }
  const grad = new Float64Array(layout.size);
  const dPooled = new Float64Array(n * c);
  let loss = 0;
  for (let s = 0; s < n; s++) {
    const logits = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let v = theta[layout.linB + j]!;
      for (let ch = 0; ch < c; ch++) v += pooled[s * c + ch]! * theta[layout.linW + ch * k + j]!;
      logits[j] = v;
    }
    const max = Math.max(...logits);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[j]! - max);
    const label = labels[s]!;
    loss += (max + Math.log(sum) - logits[label]!) / n;
    for (let j = 0; j < k; j++) {
      // ∂L/∂z_sj = (softmax − onehot)/n.
      const dz = (Math.exp(logits[j]! - max) / sum - (j === label ? 1 : 0)) / n;
      grad[layout.linB + j] = grad[layout.linB + j]! + dz;
      for (let ch = 0; ch < c; ch++) {
        grad[layout.linW + ch * k + j] = grad[layout.linW + ch * k + j]! + pooled[s * c + ch]! * dz;
        dPooled[s * c + ch] = dPooled[s * c + ch]! + dz * theta[layout.linW + ch * k + j]!;
      }
    }
  }
  const dConvOut = new Float64Array(z.length);
  for (let s = 0; s < n; s++) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) {
        const i = (s * h * w + p) * c + ch;
        const dPre = pre[i]! > 0 ? dPooled[s * c + ch]! / (h * w) : 0;
        grad[layout.gamma + ch] = grad[layout.gamma + ch]! + dPre * normed[i]!;
        grad[layout.beta + ch] = grad[layout.beta + ch]! + dPre;
        dConvOut[i] = dPre * theta[layout.gamma + ch]! * inv[ch]!;
      }
    }
  }
  grad.set(conv2dBackpropFilterRef(x, dConvOut, g), layout.conv);
  return { loss, grad };
}

/** ‖a + p·∇_θ L(x + δ)‖² in float64 (L the mean loss over the samples of x). */
export function cancelingObjective64(shape: TinyShape, theta: Float64Array, x: Float64Array, delta: Float64Array, labels: ArrayLike<number>, stats: RunningStats, a: Float64Array, p: number): number {
  const moved = x.map((v, i) => v + delta[i]!);
  const { grad } = lossAndGradient64(shape, theta, moved, labels, stats);
  let total = 0;
  for (let i = 0; i < grad.length; i++) total += (a[i]! + p * grad[i]!) ** 2;
  return total;
}
