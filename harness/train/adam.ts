/**
 * Adam with L2 weight decay added to the gradient (PyTorch torch.optim.Adam semantics), used for
 * architecture parameters. Moments stay on the backend: one multi-tensor kernel on wasm and cpu
 * (engine/kernels/optimizer-updates.ts), tensor ops elsewhere; nothing is read back.
 */
import * as tf from '@tensorflow/tfjs';
import { deviceScalar } from '../engine/constants.js';
import { ADAM_UPDATE, hasKernel, type AdamUpdateAttrs } from '../engine/kernels/optimizer-updates.js';

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  epsilon?: number;
}

export class Adam {
  private step = 0;
  private readonly moments = new Map<tf.Variable, { m: tf.Variable; v: tf.Variable }>();

  constructor(private readonly options: AdamOptions) {}

  /** One update of `variables` from `grads` (missing gradients are skipped). */
  apply(variables: readonly tf.Variable[], grads: ReadonlyMap<tf.Variable, tf.Tensor>): void {
    const { learningRate, beta1, beta2, weightDecay, epsilon = 1e-8 } = this.options;
    const updated = variables.filter((v) => grads.has(v));
    if (updated.length === 0) return;
    this.step++;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    const moments = updated.map((v) => {
      let state = this.moments.get(v);
      if (state === undefined) {
        state = { m: tf.variable(tf.zerosLike(v), false), v: tf.variable(tf.zerosLike(v), false) };
        this.moments.set(v, state);
      }
      return state;
    });
    if (hasKernel(ADAM_UPDATE, tf.getBackend())) {
      const n = updated.length;
      const attrs: AdamUpdateAttrs = { count: n, learningRate, beta1, beta2, weightDecay, epsilon, correction1, correction2 };
      const inputs = [...updated, ...updated.map((v) => grads.get(v)!), ...moments.map((s) => s.m), ...moments.map((s) => s.v)];
      const outputs = tf.engine().runKernel(ADAM_UPDATE, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      updated.forEach((v, k) => {
        v.assign(outputs[k]!);
        moments[k]!.m.assign(outputs[n + k]!);
        moments[k]!.v.assign(outputs[2 * n + k]!);
      });
      tf.dispose(outputs);
      return;
    }
    tf.tidy(() => {
      updated.forEach((w, k) => {
        const { m, v } = moments[k]!;
        const d = tf.add(grads.get(w)!, tf.mul(w, deviceScalar(weightDecay)));
        m.assign(tf.add(tf.mul(m, deviceScalar(beta1)), tf.mul(d, deviceScalar(1 - beta1))));
        v.assign(tf.add(tf.mul(v, deviceScalar(beta2)), tf.mul(tf.square(d), deviceScalar(1 - beta2))));
        const denominator = tf.add(tf.sqrt(tf.div(v, correction2)), deviceScalar(epsilon));
        w.assign(tf.sub(w, tf.div(tf.mul(tf.div(m, correction1), learningRate), denominator)));
      });
    });
  }

  /** Frees the moment estimates. */
  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }
}
