/**
 * SGD with momentum / Nesterov, coupled weight decay and global-norm gradient clipping, PyTorch
 * semantics: g ← s·g + wd·w (s: clip_grad_norm_'s factor); b ← m·b + g (b₀ = g);
 * step = nesterov ? g + m·b : b; w ← w − lr·step.
 *
 * Weights and momentum buffers never leave the backend: on wasm and cpu the whole update (clipping
 * included) is one multi-tensor kernel (engine/kernels/optimizer-updates.ts); on other backends it
 * runs as tensor ops. Nothing is read back to the host.
 */
import * as tf from '@tensorflow/tfjs';
import { deviceScalar } from '../engine/constants.js';
import { SGD_UPDATE, hasKernel, type SgdUpdateAttrs } from '../engine/kernels/optimizer-updates.js';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export class Sgd {
  private readonly buffers = new Map<tf.Variable, tf.Variable>();

  constructor(private readonly options: SgdOptions) {}

  /**
   * Applies one update. `grads` maps each variable to its gradient (variables without one are left
   * alone); with `maxGradNorm` > 0 the gradients are first scaled so that their global L2 norm is at
   * most that (PyTorch clip_grad_norm_: maxNorm / (norm + 1e-6) when the norm exceeds it).
   */
  step(variables: readonly tf.Variable[], grads: ReadonlyMap<tf.Variable, tf.Tensor>, learningRate: number, maxGradNorm = 0): void {
    const updated = variables.filter((v) => grads.has(v));
    if (updated.length === 0) return;
    if (hasKernel(SGD_UPDATE, tf.getBackend())) this.stepFused(updated, grads, learningRate, maxGradNorm);
    else this.stepComposite(updated, grads, learningRate, maxGradNorm);
  }

  private stepFused(variables: readonly tf.Variable[], grads: ReadonlyMap<tf.Variable, tf.Tensor>, learningRate: number, maxNorm: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    const first = momentum > 0 && !this.buffers.has(variables[0]!);
    if (momentum > 0 && variables.some((v) => this.buffers.has(v) === first)) {
      throw new Error('sgd: some variables have momentum buffers and some not; step them with separate optimisers');
    }
    const n = variables.length;
    const inputs = [...variables, ...variables.map((v) => grads.get(v)!), ...(momentum > 0 && !first ? variables.map((v) => this.buffers.get(v)!) : [])];
    const attrs: SgdUpdateAttrs = { count: n, learningRate, momentum, nesterov, weightDecay, first, maxNorm };
    const outputs = tf.engine().runKernel(SGD_UPDATE, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    variables.forEach((v, k) => {
      v.assign(outputs[k]!);
      if (momentum === 0) return;
      const buffer = outputs[n + k]!;
      if (first) this.buffers.set(v, tf.variable(buffer, false));
      else this.buffers.get(v)!.assign(buffer);
    });
    tf.dispose(outputs);
  }

  private stepComposite(variables: readonly tf.Variable[], grads: ReadonlyMap<tf.Variable, tf.Tensor>, lr: number, maxNorm: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    tf.tidy(() => {
      const scale = maxNorm > 0 ? clipFactor([...variables].map((v) => grads.get(v)!), maxNorm) : undefined;
      for (const v of variables) {
        const grad = grads.get(v)!;
        let g: tf.Tensor = scale === undefined ? grad : tf.mul(grad, scale);
        if (weightDecay > 0) g = tf.add(g, tf.mul(v, deviceScalar(weightDecay)));
        if (momentum > 0) {
          let buffer = this.buffers.get(v);
          if (buffer === undefined) {
            buffer = tf.variable(g, false);
            this.buffers.set(v, buffer);
          } else {
            buffer.assign(tf.add(tf.mul(buffer, deviceScalar(momentum)), g));
          }
          g = nesterov ? tf.add(g, tf.mul(buffer, deviceScalar(momentum))) : buffer;
        }
        v.assign(tf.sub(v, tf.mul(g, lr)));
      }
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}

/** clip_grad_norm_'s factor as a device scalar: maxNorm / (‖g‖ + 1e-6) where ‖g‖ > maxNorm, else 1. */
function clipFactor(grads: readonly tf.Tensor[], maxNorm: number): tf.Scalar {
  const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const max = deviceScalar(maxNorm);
  return tf.where(tf.greater(norm, max), tf.div(max, tf.add(norm, deviceScalar(1e-6))), tf.onesLike(norm)) as tf.Scalar;
}
