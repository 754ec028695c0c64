/**
 * SGD with momentum / Nesterov and coupled weight decay, PyTorch semantics:
 * g ← g + wd·w; b ← m·b + g; step = nesterov ? g + m·b : b; w ← w − lr·step.
 */
import * as tf from '@tensorflow/tfjs';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export class Sgd {
  private readonly buffers = new Map<tf.Variable, tf.Variable>();

  constructor(private readonly options: SgdOptions) {}

  /** Applies one update; `grads` maps each variable to its gradient. */
  step(variables: readonly tf.Variable[], grads: ReadonlyMap<tf.Variable, tf.Tensor>, learningRate: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    tf.tidy(() => {
      for (const v of variables) {
        const grad = grads.get(v);
        if (grad === undefined) continue;
        let g: tf.Tensor = weightDecay > 0 ? tf.add(grad, tf.mul(v, weightDecay)) : grad;
        if (momentum > 0) {
          let buffer = this.buffers.get(v);
          if (buffer === undefined) {
            // PyTorch initialises the buffer with the first gradient.
            buffer = tf.variable(g, false);
            this.buffers.set(v, buffer);
          } else {
            buffer.assign(tf.add(tf.mul(buffer, momentum), g));
          }
          g = nesterov ? tf.add(g, tf.mul(buffer, momentum)) : buffer;
        }
        v.assign(tf.sub(v, tf.mul(g, learningRate)));
      }
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}

/** Scales gradients so their global L2 norm is at most `maxNorm` (PyTorch clip_grad_norm_). */
export function clipByGlobalNorm(grads: Map<tf.Variable, tf.Tensor>, maxNorm: number): number {
  const norm = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const [v, g] of grads) {
      grads.set(v, tf.mul(g, scale));
      g.dispose();
    }
  }
  return norm;
}
