// The surrogate classifier: deterministic training for a seed and backend, the trained-model cache
// (a hit restores bit-identical outputs, a corrupt entry is refused by name), per-sample outputs
// (softmax rows sum to 1, losses are −log p[label], independent of the batch), learning above
// chance, and no leaked tensors. Tiny synthetic data; wasm, with the determinism check also on cpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticPair } from '../data/synthetic.js';
import type { ImageDataset } from '../data/types.js';
import { initBackend } from '../engine/backend.js';
import type { ModelCache } from './model-cache.js';
import { nb201Recipe } from './recipe.js';
import { genotypeFromString } from '../space/genotype.js';
import { RESNET_CELL, sampleOutputs, surrogateCellProblem, surrogateKey, trainSurrogate, type SampleOutputs, type SurrogateSpec } from './surrogate.js';

// 4 balanced classes of 8×8 grey images; 150 is not a multiple of the batch sizes below, so the
// last training batch is dropped-or-kept and the last evaluation batch is partial.
const data = syntheticPair({ trainN: 150, testN: 80, seed: 11, height: 8, width: 8, channels: 1, numClasses: 4 });
const spec: SurrogateSpec = {
  genotype: RESNET_CELL,
  channels: 4,
  cellsPerStage: 1,
  recipe: nb201Recipe(2, { name: 'surrogate-test', batchSize: 32, learningRate: 0.05, evalBatchSize: 64 }),
};

/** An in-memory ModelCache that counts its writes. */
function memoryCache(): ModelCache & { entries: Map<string, string>; puts: number } {
  const entries = new Map<string, string>();
  const cache = {
    entries,
    puts: 0,
    get: (key: string) => entries.get(key),
    put: (key: string, value: string) => {
      cache.puts++;
      entries.set(key, value);
    },
  };
  return cache;
}

/** Bytes of a float32 array, for bit-identity. */
function bits(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

async function trainAndScore(train: ImageDataset, seed: number, backend: string, cache?: ModelCache, batchSize = 64): Promise<{ outputs: SampleOutputs; cached: boolean; key: string; trainMs: number }> {
  const s = await trainSurrogate(train, spec, { seed, backend, what: 'the test surrogate', ...(cache ? { cache } : {}) });
  try {
    return { outputs: await sampleOutputs(s.network, train, batchSize), cached: s.cached, key: s.key, trainMs: s.trainMs };
  } finally {
    s.network.dispose();
  }
}

describe('surrogate on cpu', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  // The pure-JS backend is ~100× slower than wasm: a smaller set.
  test('same seed → bit-identical outputs', async () => {
    const small = syntheticPair({ trainN: 40, testN: 2, seed: 3, height: 8, width: 8, channels: 1, numClasses: 4 }).train;
    const a = await trainAndScore(small, 5, 'cpu');
    const b = await trainAndScore(small, 5, 'cpu');
    expect(bits(b.outputs.probabilities).equals(bits(a.outputs.probabilities))).toBe(true);
    expect(bits(b.outputs.losses).equals(bits(a.outputs.losses))).toBe(true);
  });
});

describe('surrogate on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test('same seed → bit-identical outputs; another seed → other weights and another key', async () => {
    const a = await trainAndScore(data.train, 1, 'wasm');
    const b = await trainAndScore(data.train, 1, 'wasm');
    const c = await trainAndScore(data.train, 2, 'wasm');
    expect(a.cached).toBe(false);
    expect(b.key).toBe(a.key);
    expect(bits(b.outputs.probabilities).equals(bits(a.outputs.probabilities))).toBe(true);
    expect(bits(b.outputs.losses).equals(bits(a.outputs.losses))).toBe(true);
    expect(c.key).not.toBe(a.key);
    expect(bits(c.outputs.probabilities).equals(bits(a.outputs.probabilities))).toBe(false);
  });

  test('the cache: the second call is a hit with bit-identical outputs; the key names data, spec, seed and backend', async () => {
    const cache = memoryCache();
    const first = await trainAndScore(data.train, 7, 'wasm', cache);
    expect(first.cached).toBe(false);
    expect(first.trainMs).toBeGreaterThan(0);
    expect(cache.puts).toBe(1);
    expect([...cache.entries.keys()]).toEqual([first.key]);
    expect(first.key).toBe(surrogateKey(data.train, spec, 7, 'wasm'));

    const second = await trainAndScore(data.train, 7, 'wasm', cache);
    expect(second.cached).toBe(true);
    expect(second.trainMs).toBe(0);
    expect(second.key).toBe(first.key);
    expect(cache.puts).toBe(1);
    expect(bits(second.outputs.probabilities).equals(bits(first.outputs.probabilities))).toBe(true);
    expect(bits(second.outputs.losses).equals(bits(first.outputs.losses))).toBe(true);

    // Each ingredient of the key changes it.
    const keys = new Set([
      first.key,
      surrogateKey(data.train, spec, 8, 'wasm'),
      surrogateKey(data.train, spec, 7, 'cpu'),
      surrogateKey(data.test, spec, 7, 'wasm'),
      surrogateKey(data.train, { ...spec, channels: 5 }, 7, 'wasm'),
      surrogateKey(data.train, { ...spec, recipe: { ...spec.recipe, epochs: 3 } }, 7, 'wasm'),
    ]);
    expect(keys.size).toBe(6);
  });

  test('a corrupt cache entry is refused, naming the model, and leaks nothing', async () => {
    const cache = memoryCache();
    await trainAndScore(data.train, 9, 'wasm', cache);
    const key = surrogateKey(data.train, spec, 9, 'wasm');
    const good = JSON.parse(cache.entries.get(key)!) as { format: string; shapes: number[][]; data: string };
    const corrupt: Array<[string, string, RegExp]> = [
      ['not JSON', '{"format": "naspoison.variables', /not JSON/],
      ['JSON null', 'null', /not a naspoison\.variables\.v1 record/],
      ['another format', JSON.stringify({ ...good, format: 'other' }), /not a naspoison\.variables\.v1 record/],
      ['one variable missing', JSON.stringify({ ...good, shapes: good.shapes.slice(1) }), /variables, the network has/],
      ['a changed shape', JSON.stringify({ ...good, shapes: [[1, 2, 3], ...good.shapes.slice(1)] }), /variable 0 has shape 1×2×3/],
      ['values cut short', JSON.stringify({ ...good, data: Buffer.from(good.data, 'base64').subarray(0, 400).toString('base64') }), /values for more variables/],
      ['a partial float', JSON.stringify({ ...good, data: Buffer.from(good.data, 'base64').subarray(0, 401).toString('base64') }), /not a whole number of float32s/],
      ['values left over', JSON.stringify({ ...good, data: Buffer.concat([Buffer.from(good.data, 'base64'), Buffer.alloc(8)]).toString('base64') }), /2 values left over/],
    ];
    const before = tf.memory().numTensors;
    for (const [why, text, detail] of corrupt) {
      cache.entries.set(key, text);
      const attempt = trainSurrogate(data.train, spec, { seed: 9, backend: 'wasm', cache, what: 'the test surrogate', log: () => {} });
      await expect(attempt, why).rejects.toThrow(new RegExp(`cached model the test surrogate \\(${key.slice(0, 12)}\\) is corrupt`));
      await expect(attempt, why).rejects.toThrow(detail);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('outputs: probability rows sum to 1, losses are −log p[label], and do not depend on the batch (eval mode)', async () => {
    const s = await trainSurrogate(data.train, spec, { seed: 4, backend: 'wasm', what: 'the test surrogate' });
    try {
      const out = await sampleOutputs(s.network, data.train, 64);
      const { n, numClasses: K, labels } = data.train;
      expect(out.classes).toBe(K);
      expect(out.probabilities.length).toBe(n * K);
      expect(out.losses.length).toBe(n);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const p = out.probabilities[i * K + k]!;
          expect(p).toBeGreaterThanOrEqual(0);
          sum += p;
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        const expected = -Math.log(out.probabilities[i * K + labels[i]!]!);
        expect(Math.abs(out.losses[i]! - expected)).toBeLessThan(1e-5 + 1e-4 * expected);
      }
      // A trained surrogate is not uniform: some confidences are well away from 1/K.
      expect(Math.max(...out.losses) - Math.min(...out.losses)).toBeGreaterThan(0.1);

      // In training mode batch norm would use each batch's statistics: batches of 7 would differ.
      const bySeven = await sampleOutputs(s.network, data.train, 7);
      for (let i = 0; i < n * K; i++) expect(Math.abs(bySeven.probabilities[i]! - out.probabilities[i]!)).toBeLessThan(1e-5);
      for (let i = 0; i < n; i++) expect(Math.abs(bySeven.losses[i]! - out.losses[i]!)).toBeLessThan(1e-4);

      const empty = await sampleOutputs(s.network, { ...data.train, n: 0, images: new Float32Array(0), labels: new Int32Array(0) }, 64);
      expect(empty.probabilities.length).toBe(0);
      expect(empty.losses.length).toBe(0);
    } finally {
      s.network.dispose();
    }
  });

  test('it learns: held-out accuracy well above chance (25%)', async () => {
    const longer: SurrogateSpec = { ...spec, recipe: nb201Recipe(6, { name: 'surrogate-test-6ep', batchSize: 32, learningRate: 0.05, evalBatchSize: 80 }) };
    const s = await trainSurrogate(data.train, longer, { seed: 1, backend: 'wasm', what: 'the test surrogate' });
    try {
      const out = await sampleOutputs(s.network, data.test, 80);
      let correct = 0;
      for (let i = 0; i < data.test.n; i++) {
        const row = out.probabilities.subarray(i * 4, i * 4 + 4);
        if (row.indexOf(Math.max(...row)) === data.test.labels[i]) correct++;
      }
      expect(correct / data.test.n).toBeGreaterThan(0.6);
    } finally {
      s.network.dispose();
    }
  });

  test('the ResNet cell is NB201\'s ResNet_CODE; cells that cannot be trained are refused by name, before any tensor exists', async () => {
    expect(genotypeFromString(RESNET_CELL)).toEqual(['nor_conv_3x3', 'none', 'nor_conv_3x3', 'skip_connect', 'none', 'skip_connect']);
    expect(surrogateCellProblem(genotypeFromString(RESNET_CELL))).toBeUndefined();
    // Node 3 ← skip(0) only: both convolutions are dead ends.
    const deadEnds = '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|';
    expect(surrogateCellProblem(genotypeFromString(deadEnds))).toMatch(/nor_conv_3x3 on edge 0→1 never reaches the cell's output/);
    const degenerate = '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|';
    expect(surrogateCellProblem(genotypeFromString(degenerate))).toMatch(/does not depend on its input/);
    const before = tf.memory().numTensors;
    for (const genotype of [deadEnds, degenerate]) {
      await expect(trainSurrogate(data.train, { ...spec, genotype }, { seed: 1, backend: 'wasm', what: 'the test surrogate' })).rejects.toThrow(
        `the test surrogate: cell ${genotype} cannot be trained as a surrogate`,
      );
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('no tensors leak: training, a cache hit and sampling leave the count where it was', async () => {
    const cache = memoryCache();
    // Warm up once: the backend may keep tensors of its own on first use.
    await trainAndScore(data.train, 12, 'wasm');
    const before = tf.memory().numTensors;
    const trained = await trainAndScore(data.train, 13, 'wasm', cache);
    expect(tf.memory().numTensors).toBe(before);
    const hit = await trainAndScore(data.train, 13, 'wasm', cache);
    expect(hit.cached).toBe(true);
    expect(trained.cached).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });
});
