/**
 * Fisher (Theis et al. 2018; Turner et al. 2020, as a zero-cost proxy): for every activation site
 * a (here: every ReLU output, via ForwardContext.activation) and channel c,
 * ½·mean_n (Σ_hw a ⊙ ∂L/∂a)²_{n,c}, summed over channels and sites; L the batch's mean
 * cross-entropy. Uses labels. Higher is better.
 *
 * Σ_hw a ⊙ ∂L/∂a is obtained as ∂L/∂m for a ones tensor m of shape [N, 1, 1, C] multiplied onto the
 * activation (the forward values do not change): ∂L/∂m[n,c] = Σ_hw a[n,h,w,c]·∂L/∂(a·m)[n,h,w,c].
 * The zero-cost reference squares per sample and then averages (`g_nk.pow(2).mean(0).mul(0.5)`),
 * which is what ½·mean_n(·)² means here. It places its sites at conv and linear outputs; this
 * network exposes ReLU outputs, the sites the protocol names.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchSize, crossEntropyLoss, preservingState, readAndDispose } from './common.js';
import type { ProxyBatch, ProxyNetwork, TrainingFreeMetric } from './types.js';

/**
 * ∂L/∂m for every activation site, in forward order: one [N, C] array (row-major) per site.
 * Training mode; running statistics restored. The sites' shapes come from a first forward pass in
 * evaluation mode (no running-statistics update), since the ones tensors must exist before the
 * differentiated pass.
 */
export async function activationScaleGradients(network: ProxyNetwork, batch: ProxyBatch): Promise<Array<{ channels: number; values: Float32Array }>> {
  const n = batchSize(batch);
  const channels: number[] = [];
  tf.tidy(() => {
    network.forward(batch.x, {
      training: false,
      activation: (a) => {
        channels.push(a.shape[3]);
        return a;
      },
    });
  });
  if (channels.length === 0) throw new Error('fisher: the network has no ReLU (no activation reached the hook)');
  return preservingState(network, async () => {
    const grads = tf.tidy(() => {
      const ms = channels.map((c) => tf.ones([n, 1, 1, c]) as tf.Tensor4D);
      // The engine's gradients with allowNoGradients: a site on a branch that reaches no output
      // (a ReLU-conv on a dead cell edge) has no path to the loss, and ∂L/∂m = 0 there; tf.grads
      // would throw instead.
      const { grads: gs } = tf.engine().gradients(
        () => {
          let site = 0;
          const logits = network.forward(batch.x, {
            training: true,
            activation: (a) => {
              const scale = ms[site++];
              if (scale === undefined || scale.shape[3] !== a.shape[3]) throw new Error('fisher: the training pass reached other activation sites than the evaluation pass');
              return tf.mul(a, scale);
            },
          });
          if (site !== channels.length) throw new Error(`fisher: ${site} activation sites in training mode, ${channels.length} in evaluation mode`);
          return crossEntropyLoss(logits, batch.labels, batch.numClasses);
        },
        ms,
        undefined,
        true,
      );
      return ms.map((m, i) => (gs[i] as tf.Tensor | undefined) ?? tf.zerosLike(m));
    });
    return Promise.all(grads.map(async (g, i) => ({ channels: channels[i]!, values: await readAndDispose(g) })));
  });
}

/** Σ_sites Σ_c ½·mean_n (∂L/∂m[n,c])², in float64 on the host. */
export async function fisher(network: ProxyNetwork, batch: ProxyBatch): Promise<number> {
  const n = batchSize(batch);
  const sites = await activationScaleGradients(network, batch);
  let total = 0;
  for (const { values } of sites) {
    let sumSquares = 0;
    for (let i = 0; i < values.length; i++) sumSquares += values[i]! * values[i]!;
    total += (0.5 * sumSquares) / n;
  }
  return total;
}

/** Fisher as a {@link TrainingFreeMetric}. */
export const fisherMetric: TrainingFreeMetric = {
  name: 'fisher',
  usesLabels: true,
  higherIsBetter: true,
  compute: fisher,
};
