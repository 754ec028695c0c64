// Provenance in the poison cache: a freshly crafted poison is verified before it is cached, so a
// misbehaving attack (a "flip" to the same label, a perturbation beyond its bound) is refused with the
// reason and leaves no entry in a real store; a valid poison is cached and verified again on the way
// back; a cached entry that is self-consistent (hash matches) but fails provenance is refused when
// read; the effective parameters are part of the cache key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { gaussianNoise } from '../attacks/gaussian-noise.js';
import { checkBudget, makeArtifact, poisonCount, poisonHash } from '../attacks/poison.js';
import { isPoisonRefused } from '../attacks/provenance.js';
import { randomLabelFlip } from '../attacks/random-label-flip.js';
import type { Attack, PoisonArtifact } from '../attacks/types.js';
import { syntheticDataset } from '../data/synthetic.js';
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { Rng } from '../engine/rng.js';
import { openStore, type TrialStore } from '../store/index.js';
import { encodePoison, obtainPoison, poisonCacheKey } from './poison-cache.js';

const train = syntheticDataset({ n: 80, seed: 2, height: 4, numClasses: 4 });
const dir = mkdtempSync(join(tmpdir(), 'naspoison-poison-provenance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stores = 0;
async function withStore(fn: (store: TrialStore) => Promise<void>): Promise<void> {
  const store = openStore(join(dir, `s${stores++}.db`));
  try {
    await fn(store);
  } finally {
    store.close();
  }
}

/** A label attack that "flips" the last chosen sample to its own label: one sample fewer is poisoned. */
const selfFlip: Attack = {
  name: 'self-flip',
  description: 'test fixture: random flips, the last one to the same label',
  kind: 'label',
  params: {},
  craft(ds: ImageDataset, budget: number, context) {
    checkBudget(budget, 'self-flip');
    const indices = new Rng(context.seed).sampleWithoutReplacement(ds.n, poisonCount(budget, ds.n)).sort();
    const labels = Int32Array.from(indices, (i, k) => (k === indices.length - 1 ? ds.labels[i]! : (ds.labels[i]! + 1) % ds.numClasses));
    return makeArtifact({ attack: 'self-flip', budget, params: {}, datasetHash: datasetContentHash(ds), indices, labels }, ds);
  },
};

/** A feature attack that declares an L∞ ball of 0.01 but moves every pixel by `step`. */
function overreach(step: number): Attack {
  return {
    name: 'overreach',
    description: 'test fixture: a feature attack that may leave its declared ball',
    kind: 'feature',
    params: { epsilon: 0.01 },
    perturbationBound: (params) => ({ norm: 'linf', radius: (params as { epsilon: number }).epsilon }),
    craft(ds: ImageDataset, budget: number, context) {
      const indices = new Rng(context.seed).sampleWithoutReplacement(ds.n, poisonCount(budget, ds.n)).sort();
      const pixels = ds.height * ds.width * ds.channels;
      const images = new Float32Array(indices.length * pixels);
      indices.forEach((index, k) => {
        for (let p = 0; p < pixels; p++) {
          const x = ds.images[index * pixels + p]!;
          images[k * pixels + p] = x + step <= 1 ? x + step : x - step;
        }
      });
      return makeArtifact({ attack: 'overreach', budget, params: { epsilon: 0.01 }, datasetHash: datasetContentHash(ds), indices, images }, ds);
    },
  };
}

async function refusalOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (isPoisonRefused(error)) return error;
    throw error;
  }
  throw new Error('expected a PoisonRefusedError, but the poison was accepted');
}

describe('obtainPoison verifies provenance before caching', () => {
  test('a label attack that flips a label to itself is refused with the reason; nothing is cached', async () => {
    await withStore(async (store) => {
      const error = await refusalOf(obtainPoison(store, selfFlip, train, 0.1, { seed: 3, backend: 'cpu' }));
      expect(error.message).toMatch(/^poison [0-9a-f]{12} \(self-flip, p=0\.1\) refused: 1 of 8 listed samples are not changed, so fewer than round\(p·n\) = 8 are poisoned: index \d+ \(label (\d) → \1\)$/);
      expect(store.listCached('poison.v1')).toHaveLength(0);
    });
  });

  test('a feature attack beyond its declared bound is refused; within it, it is cached', async () => {
    await withStore(async (store) => {
      const error = await refusalOf(obtainPoison(store, overreach(0.02), train, 0.1, { seed: 3, backend: 'cpu' }));
      expect(error.message).toMatch(/\(overreach, p=0\.1\) refused: 8 images leave the L∞ ball of radius 0\.01 .*‖Δ‖∞ = 0\.0200/);
      expect(store.listCached('poison.v1')).toHaveLength(0);
      const ok = await obtainPoison(store, overreach(0.01), train, 0.1, { seed: 3, backend: 'cpu' });
      expect(ok.provenance).toMatchObject({ boundNorm: 'linf', boundRadius: 0.01, imagesChanged: 8 });
      expect(store.listCached('poison.v1')).toHaveLength(1);
    });
  });

  test('a valid poison is cached once and verified again on the way back', async () => {
    await withStore(async (store) => {
      const context = { seed: 5, backend: 'cpu', params: { sigma: 0.05 } };
      const first = await obtainPoison(store, gaussianNoise, train, 0.25, context);
      expect(first.cached).toBe(false);
      expect(first.provenance).toMatchObject({ attack: 'gaussian-noise', count: 20, imagesChanged: 20, labelsChanged: 0, hash: first.artifact.hash });
      const rows = store.listCached('poison.v1');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.key).toBe(poisonCacheKey(gaussianNoise, 0.25, train, 5, { sigma: 0.05 }, 'cpu'));
      const second = await obtainPoison(store, gaussianNoise, train, 0.25, context);
      expect(second.cached).toBe(true);
      expect(second.artifact).toEqual(first.artifact);
      expect(second.provenance).toEqual(first.provenance);
    });
  });

  test('the effective parameters are part of the key: another σ is another poison; absent means the defaults', async () => {
    await withStore(async (store) => {
      const a = await obtainPoison(store, gaussianNoise, train, 0.1, { seed: 1, backend: 'cpu', params: { sigma: 0.05 } });
      const b = await obtainPoison(store, gaussianNoise, train, 0.1, { seed: 1, backend: 'cpu', params: { sigma: 0.2 } });
      expect(b.cached).toBe(false);
      expect(b.artifact.hash).not.toBe(a.artifact.hash);
      const defaults = await obtainPoison(store, gaussianNoise, train, 0.1, { seed: 1, backend: 'cpu' });
      const explicit = await obtainPoison(store, gaussianNoise, train, 0.1, { seed: 1, backend: 'cpu', params: { sigma: 0.1 } });
      expect(defaults.cached).toBe(false);
      expect(explicit.cached).toBe(true);
      expect(store.listCached('poison.v1')).toHaveLength(3);
      // The default key is the one poisons were cached under before parameters came from the tier.
      expect(poisonCacheKey(randomLabelFlip, 0.1, train, 1)).toBe(poisonCacheKey(randomLabelFlip, 0.1, train, 1, {}));
    });
  });

  test('a cached entry with a matching hash but a label "flipped" to itself is refused when read', async () => {
    await withStore(async (store) => {
      const good = randomLabelFlip.craft(train, 0.1, { seed: 4, backend: 'cpu' }) as PoisonArtifact;
      const labels = Int32Array.from(good.labels!);
      labels[0] = train.labels[good.indices[0]!]!;
      const { hash: _hash, ...content } = { ...good, labels };
      const resealed: PoisonArtifact = { ...content, hash: poisonHash(content) };
      store.putCached('poison.v1', poisonCacheKey(randomLabelFlip, 0.1, train, 4, {}, 'cpu'), encodePoison(resealed));
      const error = await refusalOf(obtainPoison(store, randomLabelFlip, train, 0.1, { seed: 4, backend: 'cpu' }));
      expect(error.message).toContain(`poison ${resealed.hash.slice(0, 12)} (random-label-flip, p=0.1) refused: 1 of 8 listed samples are not changed`);
    });
  });
});
