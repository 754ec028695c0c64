// Confidence-based label flipping: exactly round(p·n) samples, the ones the clean-trained surrogate
// is most confident about (recomputed here from the cached surrogate's outputs), each relabelled to
// the surrogate's most likely wrong class; deterministic for a seed; the seed reaches the
// surrogate; settings fill defaults and refuse bad fields by path; bad budgets are refused before
// any training; images are kept. Tiny synthetic data (8×8, 4 classes), a 4-epoch C = 4 surrogate, wasm.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticDataset } from '../data/synthetic.js';
import type { ImageDataset } from '../data/types.js';
import { initBackend } from '../engine/backend.js';
import { deriveSeed } from '../engine/rng.js';
import { isSettingsError } from '../plugins/settings.js';
import type { ModelCache } from '../train/model-cache.js';
import { RESNET_CELL, sampleOutputs, surrogateKey, trainSurrogate, type SampleOutputs } from '../train/surrogate.js';
import { CLF_DEFAULTS, CLF_RULE, clfChosenIndices, clfSettings, confidenceLabelFlip } from './confidence-label-flip.js';
import { applyPoison, poisonCount, poisonHash } from './poison.js';
import type { CraftContext, PoisonArtifact } from './types.js';

// 203 samples: p = 0.1 gives round(20.3) = 20, p = 0.5 round(101.5) = 102.
const train = syntheticDataset({ n: 203, seed: 21, height: 8, width: 8, channels: 1, numClasses: 4 });
const params = clfSettings({ surrogate: { channels: 4, recipe: { epochs: 4, batchSize: 32, evalBatchSize: 64 } } });

function memoryCache(): ModelCache & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return { entries, get: (key) => entries.get(key), put: (key, value) => void entries.set(key, value) };
}

function context(seed: number, models?: ModelCache): CraftContext {
  return { seed, backend: 'wasm', params, ...(models ? { models } : {}) };
}

/** The CLF surrogate of `seed`, restored from `cache`, and its outputs on the training set. */
async function surrogateOutputs(seed: number, cache: ModelCache): Promise<{ outputs: SampleOutputs; cached: boolean; key: string }> {
  const s = await trainSurrogate(train, params.surrogate, { seed: deriveSeed(seed, 'clf-surrogate'), backend: 'wasm', cache, what: 'the CLF surrogate' });
  try {
    return { outputs: await sampleOutputs(s.network, train, 64), cached: s.cached, key: s.key };
  } finally {
    s.network.dispose();
  }
}

/** The timing and cache flag differ between two crafts of one poison; everything else must not. */
function withoutRunDiagnostics(a: PoisonArtifact): Omit<PoisonArtifact, 'hash'> {
  const { hash: _hash, ...content } = a;
  return { ...content, diagnostics: { ...a.diagnostics, craftMs: 0, surrogateCached: false } };
}

describe('confidence label flipping', () => {
  const cache = memoryCache();
  let artifact: PoisonArtifact;
  let reference: SampleOutputs;

  beforeAll(async () => {
    await initBackend('wasm');
    artifact = await confidenceLabelFlip.craft(train, 0.1, context(1, cache));
    const restored = await surrogateOutputs(1, cache);
    expect(restored.cached).toBe(true);
    reference = restored.outputs;
  });

  test('the plugin: a label attack whose defaults are the settings of no block, with a documented rule', () => {
    expect(confidenceLabelFlip.name).toBe('confidence-label-flip');
    expect(confidenceLabelFlip.kind).toBe('label');
    expect(confidenceLabelFlip.params).toEqual(clfSettings(undefined));
    expect(CLF_DEFAULTS.surrogate.genotype).toBe(RESNET_CELL);
    expect(CLF_RULE).toMatch(/highest confidence/);
  });

  test('poisons round(p·n) samples: the top-k by confidence in the true label, ties to the lower index', () => {
    const k = poisonCount(0.1, train.n);
    expect(k).toBe(20);
    expect(artifact.indices.length).toBe(k);
    expect(artifact.labels!.length).toBe(k);
    // The rule recomputed independently: rank by log p(y|x) (= −loss) descending, then index.
    const ranked = Array.from({ length: train.n }, (_, i) => i).sort((a, b) => reference.losses[a]! - reference.losses[b]! || a - b);
    expect(Array.from(artifact.indices)).toEqual(ranked.slice(0, k).sort((a, b) => a - b));
    // In terms of probabilities: no unchosen sample is more confident than a chosen one (up to float32).
    const K = train.numClasses;
    const confidence = (i: number): number => reference.probabilities[i * K + train.labels[i]!]!;
    const chosen = new Set(artifact.indices);
    const weakestChosen = Math.min(...[...chosen].map(confidence));
    for (let i = 0; i < train.n; i++) if (!chosen.has(i)) expect(confidence(i)).toBeLessThanOrEqual(weakestChosen + 1e-6);
    // Not vacuous: the chosen samples are clearly more confident than the rest on average.
    const meanOf = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const rest = Array.from({ length: train.n }, (_, i) => i).filter((i) => !chosen.has(i));
    expect(meanOf([...chosen].map(confidence))).toBeGreaterThan(meanOf(rest.map(confidence)) + 0.05);
  });

  test('each new label differs from the original and is the surrogate\'s most likely wrong class', () => {
    const K = train.numClasses;
    artifact.indices.forEach((index, j) => {
      const label = train.labels[index]!;
      const wrong = Array.from({ length: K }, (_, c) => c).filter((c) => c !== label);
      const p = (c: number): number => reference.probabilities[index * K + c]!;
      const expected = wrong.reduce((best, c) => (p(c) > p(best) ? c : best));
      expect(artifact.labels![j]).not.toBe(label);
      expect(artifact.labels![j]).toBe(expected);
    });
  });

  test('diagnostics: surrogate accuracy, the chosen samples\' confidence and correctness, the cache flag, the time', () => {
    const K = train.numClasses;
    const argmax = (i: number): number => {
      const row = Array.from(reference.probabilities.subarray(i * K, (i + 1) * K));
      return row.indexOf(Math.max(...row));
    };
    let correct = 0;
    for (let i = 0; i < train.n; i++) if (argmax(i) === train.labels[i]) correct++;
    const d = artifact.diagnostics!;
    expect(d.surrogateTrainAccuracy).toBeCloseTo((100 * correct) / train.n, 10);
    // A surrogate that learned something: well above chance (25 %).
    expect(d.surrogateTrainAccuracy).toBeGreaterThan(40);
    const chosen = Array.from(artifact.indices);
    const meanConfidence = chosen.reduce((s, i) => s + reference.probabilities[i * K + train.labels[i]!]!, 0) / chosen.length;
    expect(d.chosenMeanConfidence).toBeCloseTo(meanConfidence, 6);
    expect(d.chosenCorrectFraction).toBeCloseTo(chosen.filter((i) => argmax(i) === train.labels[i]).length / chosen.length, 10);
    expect(d.surrogateCached).toBe(false);
    expect(typeof d.craftMs).toBe('number');
    expect(d.craftMs as number).toBeGreaterThanOrEqual(0);
    expect(artifact.params).toEqual(params);
  });

  test('other budgets, with the surrogate from the cache: exact counts, each a prefix of the next in rank', async () => {
    let previous: Set<number> = new Set();
    for (const [budget, k] of [
      [0.001, 1], // round(0.2) = 0: at least one
      [0.1, 20],
      [0.5, 102],
      [0.99, 201],
    ] as const) {
      const a = await confidenceLabelFlip.craft(train, budget, context(1, cache));
      expect(a.diagnostics!.surrogateCached).toBe(true);
      expect(a.indices.length).toBe(k);
      const current = new Set(a.indices);
      for (const i of previous) expect(current.has(i)).toBe(true);
      previous = current;
      for (let j = 0; j < k; j++) expect(a.labels![j]).not.toBe(train.labels[a.indices[j]!]);
    }
    expect(cache.entries.size).toBe(1);
  });

  test('deterministic for a seed: a fresh surrogate gives the same indices, labels and hash (but for the run\'s time and cache flag)', async () => {
    const again = await confidenceLabelFlip.craft(train, 0.1, context(1));
    expect(again.diagnostics!.surrogateCached).toBe(false);
    expect(Array.from(again.indices)).toEqual(Array.from(artifact.indices));
    expect(Array.from(again.labels!)).toEqual(Array.from(artifact.labels!));
    expect(again.diagnostics).toEqual({ ...artifact.diagnostics, craftMs: again.diagnostics!.craftMs });
    expect(poisonHash(withoutRunDiagnostics(again))).toBe(poisonHash(withoutRunDiagnostics(artifact)));
  });

  test('another seed trains another surrogate', async () => {
    const other = await confidenceLabelFlip.craft(train, 0.1, context(2, cache));
    expect(cache.entries.size).toBe(2);
    const key2 = surrogateKey(train, params.surrogate, deriveSeed(2, 'clf-surrogate'), 'wasm');
    expect(cache.entries.has(key2)).toBe(true);
    const outputs2 = (await surrogateOutputs(2, cache)).outputs;
    expect(Array.from(outputs2.losses)).not.toEqual(Array.from(reference.losses));
    // The poison follows its own surrogate.
    expect(Array.from(other.indices)).toEqual(Array.from(clfChosenIndices(outputs2.losses, 20)));
  });

  test('without parameters it trains the default surrogate (and reports progress through log)', async () => {
    const small = syntheticDataset({ n: 48, seed: 3, height: 8, width: 8, channels: 1, numClasses: 4 });
    const models = memoryCache();
    const lines: string[] = [];
    const a = await confidenceLabelFlip.craft(small, 0.25, { seed: 5, backend: 'wasm', models, log: (line) => lines.push(line) });
    expect([...models.entries.keys()]).toEqual([surrogateKey(small, CLF_DEFAULTS.surrogate, deriveSeed(5, 'clf-surrogate'), 'wasm')]);
    expect(a.indices.length).toBe(12);
    expect(a.params).toEqual(CLF_DEFAULTS);
    expect(lines.some((line) => line.includes('training the CLF surrogate'))).toBe(true);
  });

  test('crafting reads no tensor synchronously and leaks none, with a fresh surrogate and a cached one', async () => {
    // dataSync, arraySync and bufferSync all go through the engine's readSync.
    const engine = tf.engine();
    const original = engine.readSync;
    let reads = 0;
    engine.readSync = function (this: typeof engine, ...args: Parameters<typeof original>) {
      reads++;
      return original.apply(this, args);
    };
    try {
      const models = memoryCache();
      const before = tf.memory().numTensors;
      const fresh = await confidenceLabelFlip.craft(train, 0.1, context(3, models));
      const cached = await confidenceLabelFlip.craft(train, 0.1, context(3, models));
      expect([fresh.diagnostics!.surrogateCached, cached.diagnostics!.surrogateCached]).toEqual([false, true]);
      expect(tf.memory().numTensors).toBe(before);
      tf.tensor1d([1]).dataSync(); // the watch can fail
      expect(reads).toBe(1);
    } finally {
      engine.readSync = original;
    }
  });

  test('images are kept: the artifact has none and applying it changes only the chosen labels', () => {
    expect(artifact.images).toBeUndefined();
    const poisoned = applyPoison(train, artifact);
    expect(poisoned.images).toBe(train.images);
    const chosen = new Map(Array.from(artifact.indices, (index, j) => [index, artifact.labels![j]!] as const));
    for (let i = 0; i < train.n; i++) expect(poisoned.labels[i]).toBe(chosen.get(i) ?? train.labels[i]);
  });

  test('budgets outside (0, 1) are refused, naming the attack, before any training', async () => {
    const models = memoryCache();
    const before = tf.memory().numTensors;
    for (const budget of [0, 1, -0.1, 1.5, Number.NaN]) {
      await expect(confidenceLabelFlip.craft(train, budget, context(1, models))).rejects.toThrow(/^confidence-label-flip: budget .* is invalid/);
    }
    expect(models.entries.size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('confidence label flipping: settings', () => {
  test('no block (undefined or null) gives the defaults; a partial block fills the rest', () => {
    expect(clfSettings(undefined)).toEqual(CLF_DEFAULTS);
    expect(clfSettings(null)).toEqual(CLF_DEFAULTS);
    expect(clfSettings({})).toEqual(CLF_DEFAULTS);
    const s = clfSettings({ surrogate: { channels: 16, recipe: { epochs: 3 } } });
    expect(s.surrogate).toEqual({
      ...CLF_DEFAULTS.surrogate,
      channels: 16,
      // A changed epoch count renames the recipe unless a name is given.
      recipe: { ...CLF_DEFAULTS.surrogate.recipe, epochs: 3, name: 'clf-surrogate-3ep' },
    });
    expect(clfSettings({ surrogate: { recipe: { epochs: 3, name: 'mine' } } }).surrogate.recipe.name).toBe('mine');
    // Idempotent: effective parameters are a valid block (craft checks context.params again).
    expect(clfSettings(s)).toEqual(s);
    // The defaults are not shared: changing a result leaves them alone.
    clfSettings(undefined).surrogate.recipe.epochs = 99;
    expect(CLF_DEFAULTS.surrogate.recipe.epochs).toBe(10);
  });

  test.each([
    [{ surrogate: { channels: 0 } }, '/surrogate/channels', /must be >= 1/],
    [{ surrogate: { cellsPerStage: 1.5 } }, '/surrogate/cellsPerStage', /must be integer/],
    [{ surrogate: { recipe: { epochs: 0 } } }, '/surrogate/recipe/epochs', /must be >= 1/],
    [{ surrogate: { recipe: { learningRate: 0 } } }, '/surrogate/recipe/learningRate', /must be > 0/],
    [{ surrogate: { recipe: { schedule: 'step' } } }, '/surrogate/recipe/schedule', /allowed values/],
    [{ surrogate: { recipe: { learningRate: 0.01, minLearningRate: 0.1 } } }, '/surrogate/recipe/minLearningRate', /must be in \[0, learningRate\]/],
    // Only a JS caller can pass these (JSON has no NaN or Infinity); ajv's types refuse them.
    [{ surrogate: { recipe: { learningRate: Number.POSITIVE_INFINITY } } }, '/surrogate/recipe/learningRate', /must be number/],
    [{ surrogate: { recipe: { momentum: Number.NaN } } }, '/surrogate/recipe/momentum', /must be number/],
    [{ surrogate: { channels: Number.POSITIVE_INFINITY } }, '/surrogate/channels', /must be integer/],
    [{ surrogate: { genotype: '|bogus~0|' } }, '/surrogate/genotype', /is not an NB201 genotype/],
    [{ surrogate: { genotype: '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|' } }, '/surrogate/genotype', /does not depend on its input/],
    [{ surrogate: { genotype: '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|' } }, '/surrogate/genotype', /never reaches the cell's output/],
    [{ surrogate: { width: 3 } }, '/surrogate/width', /is not a known property/],
    [{ surrogate: { recipe: { epoch: 3 } } }, '/surrogate/recipe/epoch', /is not a known property/],
    [{ sigma: 0.1 }, '/sigma', /is not a known property/],
    [{ surrogate: 'resnet' }, '/surrogate', /must be object/],
    [[], '', /must be object/],
  ])('refuses %j at %s', (block, path, problem) => {
    let caught: unknown;
    try {
      clfSettings(block);
    } catch (error) {
      caught = error;
    }
    expect(isSettingsError(caught)).toBe(true);
    if (!isSettingsError(caught)) return;
    expect(caught.plugin).toBe('confidence-label-flip');
    expect(caught.issues.some((issue) => issue.path === path && problem.test(issue.message))).toBe(true);
    expect(caught.message).toContain(`confidence-label-flip: ${path || '(block)'}`);
  });

  test('the plugin\'s settings() is clfSettings', () => {
    expect(confidenceLabelFlip.settings!({ surrogate: { channels: 16 } })).toEqual(clfSettings({ surrogate: { channels: 16 } }));
    expect(() => confidenceLabelFlip.settings!({ surrogate: { channels: 0 } })).toThrow('confidence-label-flip: /surrogate/channels must be >= 1');
  });
});
