/**
 * Gradient canceling's objective and its exact, memory-bounded gradient with respect to the poison
 * perturbations δ:
 *
 *   J(δ) = ‖a + p·g_p(δ)‖²,   g_p(δ) = (1/k)·Σ_i ∇_θ ℓ(x_i + δ_i, y_i; θ_t),   a = (1 − p)·ḡ_c,
 *
 * over the k poisoned points, split into chunks so that no pass holds more than one chunk's
 * activations. Two passes per evaluation: (1) first order, g_p summed chunk by chunk; (2) per
 * chunk, ∂J/∂δ_chunk = ∇_δ (v · Σ_{i∈chunk} ∇_θ ℓ_i(δ)) with v = 2p·(a + p·g_p)/k held constant —
 * the GraSP trick (a Hessian-vector product, here mixed: input by weights), exact because J's
 * gradient is linear in the per-sample gradients once v is fixed.
 *
 * Batch norm runs in evaluation mode (running statistics): each sample's gradient is then
 * independent of the chunk it sits in, so chunking changes nothing and g_p is the per-sample sum
 * the objective is written in. The loss is built from logSumExp (twice differentiable on the tape,
 * see engine/gradients.ts); tf.losses' customGrad would hide the second-order terms.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext, ParamStore } from '../../engine/nn.js';
import { gradientsOf } from '../../proxies/common.js';

/** What gradient canceling needs of a network: its variables and a forward pass. */
export interface GcNetwork {
  readonly params: ParamStore;
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
}

/** A block of poisoned points: clean images and one-hot labels, kept on the backend. */
export interface PoisonChunk {
  /** Clean images [m, H, W, C]. */
  readonly x: tf.Tensor4D;
  /** One-hot labels [m, classes] (float32). */
  readonly oneHot: tf.Tensor2D;
}

const EVAL: ForwardContext = { training: false };

/** Σ_i cross-entropy of the batch in evaluation mode: logSumExp(z_i) − z_i·y_i, summed. */
export function summedLoss(network: GcNetwork, x: tf.Tensor4D, oneHot: tf.Tensor2D): tf.Scalar {
  const logits = network.forward(x, EVAL);
  return tf.sum(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1)));
}

/**
 * Σ over the chunks of ∇_θ Σ_i ℓ(x_i + δ_i) for each of `weights` (δ absent: the clean images).
 * First order. Returns new tensors (the caller disposes them).
 */
export function summedGradient(network: GcNetwork, weights: readonly tf.Variable[], chunks: readonly PoisonChunk[], deltas?: readonly tf.Tensor4D[]): tf.Tensor[] {
  if (chunks.length === 0) throw new Error('gradient-canceling: no samples to take a gradient over');
  let total: tf.Tensor[] | undefined;
  chunks.forEach((chunk, c) => {
    const delta = deltas?.[c];
    const g = tf.tidy(() => gradientsOf(() => summedLoss(network, delta ? tf.add(chunk.x, delta) : chunk.x, chunk.oneHot), weights).grads);
    if (total === undefined) {
      total = g;
      return;
    }
    const previous = total;
    total = tf.tidy(() => previous.map((t, i) => tf.add(t, g[i]!)));
    tf.dispose([...previous, ...g]);
  });
  return total!;
}

/** Σ_l ⟨a_l, b_l⟩ over lists of same-shaped tensors, as a scalar tensor. */
export function dot(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i]!)))) as tf.Scalar);
}

/** J, g_p's norm and cos(a, g_p) at the current δ (pass 1), with g_p kept for pass 2. */
export interface CancelingState {
  /** g_p = (1/k)·Σ ∇_θ ℓ_i, one tensor per weight. */
  readonly poisonGradient: tf.Tensor[];
  /** J = ‖a + p·g_p‖². */
  readonly objective: tf.Scalar;
  /** ‖g_p‖₂. */
  readonly poisonNorm: tf.Scalar;
  /** cos(a, g_p) (= cos(ḡ_c, g_p), a being a positive multiple of ḡ_c). */
  readonly cosine: tf.Scalar;
}

/**
 * Pass 1: g_p over the chunks at δ and the objective's value. `cleanTerm` is a = (1 − p)·ḡ_c,
 * `count` is k. The caller disposes the returned tensors ({@link disposeState}).
 */
export function cancelingState(
  network: GcNetwork,
  weights: readonly tf.Variable[],
  chunks: readonly PoisonChunk[],
  deltas: readonly tf.Tensor4D[] | undefined,
  cleanTerm: readonly tf.Tensor[],
  p: number,
  count: number,
): CancelingState {
  const sum = summedGradient(network, weights, chunks, deltas);
  return tf.tidy(() => {
    const poisonGradient = sum.map((t) => tf.keep(tf.div(t, count)));
    tf.dispose(sum);
    const residual = cleanTerm.map((a, i) => tf.add(a, tf.mul(poisonGradient[i]!, p)));
    const poisonSq = dot(poisonGradient, poisonGradient);
    const cleanSq = dot(cleanTerm, cleanTerm);
    const poisonNorm = tf.keep(tf.sqrt(poisonSq));
    // Guarded: a zero gradient (a perfectly fitted point) has no direction; its cosine reads 0.
    const cosine = tf.keep(tf.div(dot(cleanTerm, poisonGradient), tf.maximum(tf.sqrt(tf.mul(poisonSq, cleanSq)), 1e-30)) as tf.Scalar);
    return { poisonGradient, objective: tf.keep(dot(residual, residual)), poisonNorm, cosine };
  });
}

/** Frees a {@link CancelingState}. */
export function disposeState(state: CancelingState): void {
  tf.dispose([...state.poisonGradient, state.objective, state.poisonNorm, state.cosine]);
}

/** tf.grad for a function of a 4-D tensor (tf.grad's typing wants a plain Tensor). */
function gradOf4d(f: (x: tf.Tensor4D) => tf.Scalar): (x: tf.Tensor4D) => tf.Tensor4D {
  return tf.grad(f as unknown as (x: tf.Tensor) => tf.Tensor) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
}

/**
 * ∇_δ (v · Σ_{i∈chunk} ∇_θ ℓ(x_i + δ_i)) for one chunk, v constant: a second-order pass (the
 * inner backward pass is recorded on the outer tape, engine/gradients.ts makes it exact).
 */
export function chunkInputGradient(network: GcNetwork, weights: readonly tf.Variable[], chunk: PoisonChunk, delta: tf.Tensor4D, v: readonly tf.Tensor[]): tf.Tensor4D {
  return tf.tidy(() =>
    gradOf4d((d) => {
      const inner = gradientsOf(() => summedLoss(network, tf.add(chunk.x, d), chunk.oneHot), weights).grads;
      return dot(inner, v);
    })(delta),
  );
}

/**
 * Pass 2: ∂J/∂δ_c for every chunk, from pass 1's g_p: v = 2p·(a + p·g_p)/k, then one
 * {@link chunkInputGradient} per chunk. The caller disposes the returned tensors.
 */
export function cancelingGradients(
  network: GcNetwork,
  weights: readonly tf.Variable[],
  chunks: readonly PoisonChunk[],
  deltas: readonly tf.Tensor4D[],
  cleanTerm: readonly tf.Tensor[],
  state: CancelingState,
  p: number,
  count: number,
): tf.Tensor4D[] {
  const v = tf.tidy(() => cleanTerm.map((a, i) => tf.mul(tf.add(a, tf.mul(state.poisonGradient[i]!, p)), (2 * p) / count)));
  try {
    return chunks.map((chunk, c) => chunkInputGradient(network, weights, chunk, deltas[c]!, v));
  } finally {
    tf.dispose(v);
  }
}
