/**
 * The zero-copy Identity of the wasm backend: a clone shares its source's buffer by reference
 * count, so disposing either side must leave the other intact, the buffer must be freed once both
 * are gone, and gradients whose functions read tensors the tape saved (clones) must stay right.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FLOAT32_TOLERANCE, onBackend, randomNormal, relativeError, testRng, values, wasmBufferCount } from '../test-utils.js';

describe('Identity on wasm shares data correctly', () => {
  const rng = testRng('identity');

  it('a clone keeps its values after the original is disposed, and the buffer is freed with the last one', async () => {
    const data = randomNormal(rng, 24);
    await onBackend('wasm', () => {
      const before = wasmBufferCount();
      const original = tf.tensor3d(data, [2, 3, 4]);
      const copy = tf.clone(original);
      expect(wasmBufferCount() - before).toBe(1);
      original.dispose();
      expect(original.isDisposed).toBe(true);
      expect(copy.shape).toEqual([2, 3, 4]);
      expect(Array.from(copy.dataSync())).toEqual(Array.from(data));
      const second = tf.clone(copy);
      copy.dispose();
      expect(Array.from(second.dataSync())).toEqual(Array.from(data));
      second.dispose();
      expect(wasmBufferCount()).toBe(before);
    });
  });

  it('the original keeps its values after the clone is disposed; int32 and bool clones too', async () => {
    await onBackend('wasm', () => {
      const before = wasmBufferCount();
      for (const t of [tf.tensor1d([1.5, -2, 3]), tf.tensor1d([7, -1, 4], 'int32'), tf.tensor1d([1, 0, 1], 'bool')]) {
        const expected = Array.from(t.dataSync());
        const copy = tf.clone(t);
        expect(copy.dtype).toBe(t.dtype);
        copy.dispose();
        expect(Array.from(t.dataSync())).toEqual(expected);
        t.dispose();
      }
      expect(wasmBufferCount()).toBe(before);
    });
  });

  it('a variable built from a clone is not changed by later ops or assignments elsewhere', async () => {
    const data = randomNormal(rng, 6);
    await onBackend('wasm', () => {
      const source = tf.tensor1d(data);
      const v = tf.variable(tf.clone(source), true);
      const shared = tf.clone(v);
      v.assign(tf.mul(v, 2));
      expect(Array.from(shared.dataSync())).toEqual(Array.from(data));
      expect(Array.from(source.dataSync())).toEqual(Array.from(data));
      source.dispose();
      expect(relativeError(values(v), Array.from(data, (d) => 2 * d))).toBeLessThan(1e-7);
      v.dispose();
    });
  });

  it('a tidy may return a clone of a tensor it disposes', async () => {
    const data = randomNormal(rng, 5);
    await onBackend('wasm', () => {
      const kept = tf.tidy(() => tf.clone(tf.add(tf.tensor1d(data), 1)));
      expect(relativeError(values(kept), Array.from(data, (d) => d + 1))).toBeLessThan(1e-7);
    });
  });

  it('gradients that read saved tensors (exp, tanh, sigmoid, softmax, rsqrt, square, matMul) equal cpu, over repeated steps', async () => {
    const x = randomNormal(rng, 4 * 5);
    const w0 = randomNormal(rng, 5 * 3, 0.5);
    const run = (): Float32Array[] => {
      const w = tf.variable(tf.tensor2d(w0, [5, 3]));
      const input = tf.tensor2d(x, [4, 5]);
      const losses: Float32Array[] = [];
      for (let step = 0; step < 3; step++) {
        const { value, grads } = tf.variableGrads(() => {
          const z = tf.matMul(input, w);
          const a = tf.add(tf.add(tf.exp(tf.mul(z, 0.3)), tf.tanh(z)), tf.sigmoid(tf.square(z)));
          const p = tf.softmax(a);
          return tf.sum(tf.mul(p, tf.rsqrt(tf.add(tf.square(a), 1)))) as tf.Scalar;
        }, [w]);
        const g = grads[w.name]!;
        losses.push(values(value), values(g));
        w.assign(tf.sub(w, tf.mul(g, 0.1)));
      }
      w.dispose();
      return losses;
    };
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    cpu.forEach((ref, i) => expect(relativeError(wasm[i]!, ref), `output ${i}`).toBeLessThan(FLOAT32_TOLERANCE));
  });
});
