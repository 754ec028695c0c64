/**
 * Scalar constants of the training path (momentum, decay, ε, …) made once per backend and kept,
 * so a device backend does not receive a fresh one-number upload for each of them every step, as
 * `tf.mul(x, 0.9)` would cause. Values that change every step (a cosine learning rate) are not
 * worth caching and are passed as plain numbers.
 */
import * as tf from '@tensorflow/tfjs';

const cache = new Map<string, tf.Scalar>();
/** A bound on distinct cached values (a caller passing per-step values must not grow it forever). */
const MAX_CACHED = 512;

/** A kept float32 scalar of `value` on the active backend. */
export function deviceScalar(value: number): tf.Scalar {
  const key = `${tf.getBackend()}:${value}`;
  let scalar = cache.get(key);
  if (scalar === undefined || scalar.isDisposed) {
    if (cache.size >= MAX_CACHED) return tf.scalar(value);
    scalar = tf.keep(tf.scalar(value));
    cache.set(key, scalar);
  }
  return scalar;
}
