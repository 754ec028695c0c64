/**
 * Shared machinery of the training-free metrics: which variables a metric scores (by the role the
 * engine's layer builders give them), a cross-entropy that can be differentiated twice, gradients
 * with unconnected variables filled by zeros, state snapshots that leave a network as it was, and
 * the float64 symmetric eigenvalues the NTK and jacov read.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { ProxyBatch, ProxyNetwork } from './types.js';

/**
 * What a variable is, read from the prefix the builders of engine/nn.ts give its name
 * (`${prefix}_${seed}_${serial}_${count}`): `conv` kernels, `linear_w`/`linear_b`, batch norm's
 * `bn_gamma`/`bn_beta` (trainable, or state when the BN is not affine) and `bn_mean`/`bn_var`.
 * A prefix the engine does not use is `other`.
 */
export type ParameterRole = 'conv' | 'linear_weight' | 'linear_bias' | 'bn_scale' | 'bn_shift' | 'bn_running_mean' | 'bn_running_var' | 'other';

const ROLE_BY_PREFIX: ReadonlyArray<readonly [string, ParameterRole]> = [
  ['conv_', 'conv'],
  ['linear_w_', 'linear_weight'],
  ['linear_b_', 'linear_bias'],
  ['bn_gamma_', 'bn_scale'],
  ['bn_beta_', 'bn_shift'],
  ['bn_mean_', 'bn_running_mean'],
  ['bn_var_', 'bn_running_var'],
];

/** The role of a variable of a {@link ParamStore}-built network, from its name. */
export function parameterRole(v: tf.Variable): ParameterRole {
  for (const [prefix, role] of ROLE_BY_PREFIX) if (v.name.startsWith(prefix)) return role;
  return 'other';
}

/**
 * The weights the zero-cost-proxy reference scores (its get_layer_metric_array visits the
 * `.weight` of every Conv2d and Linear layer): conv kernels and linear weight matrices, in store
 * order. Batch-norm scales and shifts and the classifier's bias are left out, as there. A
 * trainable variable of an unknown role (a network built outside engine/nn.ts) is kept: leaving
 * it out would silently drop a layer.
 */
export function layerWeights(network: ProxyNetwork): tf.Variable[] {
  return network.params.weights.filter((v) => {
    const role = parameterRole(v);
    return role === 'conv' || role === 'linear_weight' || role === 'other';
  });
}

/** Mean softmax cross-entropy of `logits` against integer labels, from primitive ops. */
export function crossEntropyLoss(logits: tf.Tensor2D, labels: Int32Array, numClasses: number): tf.Scalar {
  // Built from logSumExp, not tf.losses.softmaxCrossEntropy: the latter is a tfjs customGrad whose
  // gradient is opaque to the tape, so GraSP's second derivative through it would silently miss
  // the softmax's dependence on the weights (engine/gradients-second-order.test.ts).
  if (labels.length !== logits.shape[0]) throw new Error(`proxies: ${labels.length} labels for a batch of ${logits.shape[0]}`);
  if (logits.shape[1] !== numClasses) throw new Error(`proxies: the network gives ${logits.shape[1]} logits, the batch has ${numClasses} classes`);
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat();
  return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, onehot), 1)));
}

/**
 * Gradients of a scalar with respect to `variables`, in their order; a variable the scalar does
 * not depend on (a conv on a cell edge whose node reaches no output) gets zeros instead of being
 * missing. Call inside tf.tidy. Nested inside another gradient computation, this one's backward
 * pass is recorded on the outer tape (tfjs's gradientDepth), which is what makes GraSP's
 * Hessian-gradient product possible.
 */
export function gradientsOf(f: () => tf.Scalar, variables: readonly tf.Variable[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(f, [...variables]);
  return { value, grads: variables.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
}

/** Copies of variables' current values, to put back with {@link restoreVariables}. */
export function snapshotVariables(variables: readonly tf.Variable[]): tf.Tensor[] {
  // tf.clone shares the data id; variables are only ever re-pointed by assign, never written in
  // place, so the copy keeps the old values for as long as it lives.
  return variables.map((v) => tf.keep(tf.clone(v)));
}

/** Assigns the snapshot back and frees it. */
export function restoreVariables(variables: readonly tf.Variable[], snapshot: readonly tf.Tensor[]): void {
  variables.forEach((v, i) => v.assign(snapshot[i]!));
  tf.dispose([...snapshot]);
}

/**
 * Runs `fn` and puts the network's non-trained state (batch-norm running statistics) back as it
 * was, whatever `fn` did: a training-mode forward pass updates them, and a metric must leave the
 * network as it found it.
 */
export async function preservingState<T>(network: ProxyNetwork, fn: () => Promise<T>): Promise<T> {
  const state = [...network.params.state];
  const snapshot = snapshotVariables(state);
  try {
    return await fn();
  } finally {
    restoreVariables(state, snapshot);
  }
}

/** Reads a tensor asynchronously and frees it. */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return Float32Array.from((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}

/** Reads a scalar asynchronously (as a float64 number) and frees it. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  const [v] = await readAndDispose(t);
  return v!;
}

/** Eigenvalues of a symmetric n×n matrix (row-major float64), ascending. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`symmetricEigenvalues: ${a.length} values for a ${n}×${n} matrix`);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
  const eig = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  return Float64Array.from(eig.realEigenvalues).sort();
}

/** Gram matrix G = R Rᵀ of row vectors (float32 rows, float64 sums), row-major n×n. */
export function gramMatrix(rows: readonly Float32Array[]): Float64Array {
  const n = rows.length;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = rows[i]!;
    for (let j = i; j < n; j++) {
      const rj = rows[j]!;
      let s = 0;
      for (let k = 0; k < ri.length; k++) s += ri[k]! * rj[k]!;
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
  }
  return g;
}

/** The batch size of `batch`, checked (a metric needs at least one sample). */
export function batchSize(batch: Pick<ProxyBatch, 'x'>): number {
  const n = batch.x.shape[0];
  if (n < 1) throw new Error('proxies: empty batch');
  return n;
}
