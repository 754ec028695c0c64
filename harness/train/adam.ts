/**
 * Adam with L2 weight decay added to the gradient (PyTorch torch.optim.Adam semantics), used for
 * architecture parameters. It runs on the host: α has at most 30 values, so reading them back
 * costs little even from a GPU.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  epsilon?: number;
}

export class Adam {
  private step = 0;
  private readonly moments = new Map<tf.Variable, { m: Float32Array; v: Float32Array }>();

  constructor(private readonly options: AdamOptions) {}

  /** One update of `variables` from `grads` (missing gradients are skipped). */
  apply(variables: readonly tf.Variable[], grads: ReadonlyMap<tf.Variable, tf.Tensor>): void {
    const { learningRate: lr, beta1, beta2, weightDecay, epsilon = 1e-8 } = this.options;
    this.step++;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    for (const variable of variables) {
      const grad = grads.get(variable);
      if (grad === undefined) continue;
      const w = variable.dataSync();
      const g = grad.dataSync();
      let state = this.moments.get(variable);
      if (state === undefined) {
        state = { m: new Float32Array(w.length), v: new Float32Array(w.length) };
        this.moments.set(variable, state);
      }
      const next = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        const d = g[i]! + weightDecay * w[i]!;
        state.m[i] = beta1 * state.m[i]! + (1 - beta1) * d;
        state.v[i] = beta2 * state.v[i]! + (1 - beta2) * d * d;
        next[i] = w[i]! - (lr * (state.m[i]! / c1)) / (Math.sqrt(state.v[i]! / c2) + epsilon);
      }
      const updated = tf.tensor(next, variable.shape);
      variable.assign(updated);
      updated.dispose(); // the variable keeps its own reference to the data
    }
  }
}
