/**
 * A training step that cannot fit in wasm's 4 GiB heap stops before training starts, with the
 * memory it needs and the backends that can run it named — never tfjs-wasm's `Aborted()`.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticPair } from '../data/synthetic.js';
import { initBackend } from '../engine/backend.js';
import { StepMemoryError } from '../engine/memory-budget.js';
import { genotypeFromString } from '../space/genotype.js';
import { evaluateGenotype, type EvaluationCache, type GenotypeEvaluation } from './evaluate.js';
import { STEP_BYTES_BOUND_PER_ELEMENT } from './memory-check.js';
import { nb201Recipe } from './recipe.js';

const genotype = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');
const data = syntheticPair({ trainN: 64, testN: 32, seed: 5, height: 8, width: 8, channels: 1, numClasses: 4 });
const network = { channels: 4, cellsPerStage: 1 };

function memoryCache(): EvaluationCache & { entries: Map<string, GenotypeEvaluation> } {
  const entries = new Map<string, GenotypeEvaluation>();
  return { entries, get: (k) => entries.get(k), put: (k, v) => void entries.set(k, v) };
}

describe('the memory check before training on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test('a step that cannot fit is refused before the first step, naming the memory and the backends that can run it; nothing is cached', async () => {
    // 8×8×4 activations: ~1.5 KiB of measured peak per image, so a 2^22 batch needs several GiB.
    const batch = 2 ** 22;
    const cache = memoryCache();
    const attempt = evaluateGenotype(genotype, data, { recipe: nb201Recipe(1, { batchSize: batch }), network }, { seed: 1, backend: 'wasm', cache });
    await expect(attempt).rejects.toThrow(StepMemoryError);
    await expect(attempt).rejects.toThrow(/clean evaluation of .* needs about [\d.]+ GiB on wasm.*--backend webgpu/s);
    expect(cache.entries.size).toBe(0);
  });

  test('below the bound no probe runs and the evaluation trains as usual', async () => {
    const batch = 32;
    expect(STEP_BYTES_BOUND_PER_ELEMENT * batch * 8 * 8 * network.channels).toBeLessThan(2 ** 31);
    const cache = memoryCache();
    const result = await evaluateGenotype(genotype, data, { recipe: nb201Recipe(1, { batchSize: batch }), network }, { seed: 1, backend: 'wasm', cache });
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(cache.entries.size).toBe(1);
  });
});
