// The provenance verifier: a well-made poison passes with a report of what it changed; a tampered or
// misbehaving one (edited label, extra index, image outside its ball or outside [0, 1], a label attack
// that changed an image, a clean-label attack that changed a label, a poison for another dataset or
// made with other parameters, a hash mismatch) is refused with a PoisonRefusedError naming the poison
// and the reason. Tampered artifacts are re-sealed (hash recomputed) where the point is the check
// behind the hash: without re-sealing the content-hash check refuses them first.
import { describe, expect, test } from 'vitest';
import { syntheticDataset } from '../data/synthetic.js';
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { Rng } from '../engine/rng.js';
import { GAUSSIAN_NOISE_DEFAULTS, gaussianNoise } from './gaussian-noise.js';
import { checkBudget, makeArtifact, poisonCount, poisonHash } from './poison.js';
import { boundTolerance, isPoisonRefused, PoisonRefusedError, verifyPoison } from './provenance.js';
import { randomLabelFlip } from './random-label-flip.js';
import type { Attack, PluginParams, PoisonArtifact } from './types.js';

const train = syntheticDataset({ n: 100, seed: 7, height: 4, numClasses: 5 });
const other = syntheticDataset({ n: 100, seed: 8, height: 4, numClasses: 5, name: 'other-data' });
const PIXELS = 16;

/**
 * A bounded feature attack for these tests: each chosen image moves by ±radius per pixel (L∞) or by
 * a random direction of L2 length radius, clipped to [0, 1] (so it stays inside its ball).
 */
function boxNoise(norm: 'linf' | 'l2'): Attack {
  return {
    name: `box-noise-${norm}`,
    description: 'test fixture: a bounded feature attack',
    kind: 'feature',
    params: { radius: 0.05 },
    perturbationBound: (params: PluginParams) => ({ norm, radius: (params as { radius: number }).radius }),
    craft(ds: ImageDataset, budget: number, context) {
      checkBudget(budget, this.name);
      const { radius } = (context.params ?? this.params) as { radius: number };
      const rng = new Rng(context.seed);
      const indices = rng.sampleWithoutReplacement(ds.n, poisonCount(budget, ds.n)).sort();
      const pixels = ds.height * ds.width * ds.channels;
      const images = new Float32Array(indices.length * pixels);
      indices.forEach((index, k) => {
        const direction = Array.from({ length: pixels }, () => (norm === 'linf' ? (rng.uniform() < 0.5 ? -1 : 1) : rng.normal()));
        const length = norm === 'linf' ? 1 : Math.hypot(...direction);
        for (let p = 0; p < pixels; p++) {
          const v = ds.images[index * pixels + p]! + (radius * direction[p]!) / length;
          images[k * pixels + p] = Math.min(1, Math.max(0, v));
        }
      });
      return makeArtifact({ attack: this.name, budget, params: { radius }, datasetHash: datasetContentHash(ds), indices, images }, ds);
    },
  };
}

const rlf = (budget = 0.1, seed = 1, ds: ImageDataset = train) => randomLabelFlip.craft(ds, budget, { seed, backend: 'cpu' }) as PoisonArtifact;
const noise = (budget = 0.1, seed = 1) => gaussianNoise.craft(train, budget, { seed, backend: 'cpu' }) as PoisonArtifact;
const boxLinf = boxNoise('linf');
const boxL2 = boxNoise('l2');
const box = (attack: Attack, seed = 1) => attack.craft(train, 0.1, { seed, backend: 'cpu' }) as PoisonArtifact;

/** The artifact with edited fields and its hash recomputed (what a misbehaving attack would produce). */
function reseal(artifact: PoisonArtifact, edit: Partial<Omit<PoisonArtifact, 'hash'>>): PoisonArtifact {
  const { hash: _hash, ...content } = { ...artifact, ...edit };
  return { ...content, hash: poisonHash(content) };
}

function refusal(run: () => unknown): PoisonRefusedError {
  try {
    run();
  } catch (error) {
    if (isPoisonRefused(error)) return error;
    throw error;
  }
  throw new Error('expected the poison to be refused, but it passed');
}

/** Refused, naming the poison (attack, budget, short hash) and a reason matching `reason`. */
function expectRefused(artifact: PoisonArtifact, attack: Attack, params: PluginParams, reason: RegExp | string, clean: ImageDataset = train): void {
  const error = refusal(() => verifyPoison(artifact, clean, attack, params));
  expect(error).toBeInstanceOf(PoisonRefusedError);
  expect(error.name).toBe('PoisonRefusedError');
  expect(error.message.startsWith(`poison ${artifact.hash.slice(0, 12)} (${artifact.attack}, p=${artifact.budget}) refused: `)).toBe(true);
  expect(error.reason).toMatch(reason);
  expect(error).toMatchObject({ attack: artifact.attack, budget: artifact.budget, hash: artifact.hash });
}

describe('verifyPoison: well-made poisons pass, with a report of what changed', () => {
  test('random label flip: round(p·n) labels changed, no image', () => {
    const a = rlf(0.1);
    const report = verifyPoison(a, train, randomLabelFlip, {});
    expect(report).toEqual({
      attack: 'random-label-flip',
      kind: 'label',
      budget: 0.1,
      hash: a.hash,
      datasetHash: datasetContentHash(train),
      n: 100,
      count: 10,
      labelsChanged: 10,
      imagesChanged: 0,
      imageMaxLinf: null,
      imageMeanLinf: null,
      imageMaxL2: null,
      imageMeanL2: null,
      imagesInRange: true,
      boundNorm: null,
      boundRadius: null,
      boundTolerance: 0,
    });
  });

  test('gaussian noise: images changed, labels kept, change sizes measured', () => {
    const a = noise(0.2);
    const report = verifyPoison(a, train, gaussianNoise, GAUSSIAN_NOISE_DEFAULTS);
    expect(report).toMatchObject({ count: 20, labelsChanged: 0, imagesChanged: 20, imagesInRange: true, boundNorm: null });
    expect(report.imageMaxLinf).toBeCloseTo(a.diagnostics!.maxLinf as number, 12);
    expect(report.imageMeanL2).toBeCloseTo(a.diagnostics!.meanL2 as number, 12);
    expect(report.imageMeanLinf!).toBeLessThanOrEqual(report.imageMaxLinf!);
    expect(report.imageMeanL2!).toBeLessThanOrEqual(report.imageMaxL2!);
  });

  test.each([boxLinf, boxL2])('a bounded attack ($name) inside its ball passes: float32 rounding at the radius is tolerated', (attack) => {
    const a = box(attack);
    const report = verifyPoison(a, train, attack, { radius: 0.05 });
    expect(report).toMatchObject({ boundNorm: attack.name.endsWith('linf') ? 'linf' : 'l2', boundRadius: 0.05, imagesChanged: 10 });
    const size = attack.name.endsWith('linf') ? report.imageMaxLinf! : report.imageMaxL2!;
    // Pushed to the radius (float32 rounding may land a hair above it: the tolerance is for that).
    expect(size).toBeGreaterThan(0.05 - 1e-6);
    expect(size).toBeLessThanOrEqual(0.05 + report.boundTolerance);
  });

  test('the tolerance is small: 1e-6 per pixel, growing as √pixels for L2', () => {
    expect(boundTolerance({ norm: 'linf', radius: 16 / 255 }, 256)).toBeCloseTo(1e-6 * (1 + 16 / 255), 15);
    expect(boundTolerance({ norm: 'l2', radius: 1 }, 256)).toBeCloseTo(2e-6 * 16, 15);
  });
});

describe('verifyPoison: tampered or misbehaving poisons are refused, naming the reason', () => {
  test('a hash mismatch (content edited, hash kept)', () => {
    const a = rlf();
    expectRefused({ ...a, hash: 'e'.repeat(64) }, randomLabelFlip, {}, /content hashes to [0-9a-f]{12}, not to the recorded eeeeeeeeeeee; it is corrupt or was modified/);
    const labels = Int32Array.from(a.labels!);
    labels[0] = (labels[0]! + 1) % 5;
    expectRefused({ ...a, labels }, randomLabelFlip, {}, `not to the recorded ${a.hash.slice(0, 12)}`);
  });

  test('an edited label set back to the clean one (re-sealed): fewer samples changed than round(p·n)', () => {
    const a = rlf();
    const labels = Int32Array.from(a.labels!);
    const index = a.indices[3]!;
    labels[3] = train.labels[index]!;
    expectRefused(
      reseal(a, { labels }),
      randomLabelFlip,
      {},
      `1 of 10 listed samples are not changed, so fewer than round(p·n) = 10 are poisoned: index ${index} (label ${train.labels[index]} → ${train.labels[index]})`,
    );
  });

  test('an extra index (re-sealed): more samples than round(p·n)', () => {
    const a = rlf();
    const extra = [...Array(train.n).keys()].find((i) => !a.indices.includes(i))!;
    const pairs = [...a.indices].map((index, k) => [index, a.labels![k]!] as const);
    pairs.push([extra, (train.labels[extra]! + 1) % 5]);
    pairs.sort((x, y) => x[0] - y[0]);
    const tampered = reseal(a, { indices: Int32Array.from(pairs, (p) => p[0]), labels: Int32Array.from(pairs, (p) => p[1]) });
    expectRefused(tampered, randomLabelFlip, {}, 'it lists 11 samples, but p=0.1 of n=100 replaces exactly 10');
  });

  test('a repeated index (re-sealed) is refused even with the right count', () => {
    const a = rlf();
    const indices = Int32Array.from(a.indices);
    indices[1] = indices[0]!;
    expectRefused(reseal(a, { indices }), randomLabelFlip, {}, /indices are not strictly ascending at position 1/);
  });

  test.each([
    ['linf', boxLinf, 0.06, /1 images leave the L∞ ball of radius 0\.05 \(tolerance 1\.05e-6\): index \d+ has ‖Δ‖∞ = 0\.06/],
    ['linf', boxLinf, 0.05 + 1e-5, /leave the L∞ ball of radius 0\.05/],
    ['l2', boxL2, 0.1, /1 images leave the L2 ball of radius 0\.05 \(tolerance 4\.20e-6\): index \d+ has ‖Δ‖₂ = /],
  ])('an image outside the %s ball (re-sealed), one pixel moved by %f', (_, attack, shift, reason) => {
    const a = box(attack);
    const images = Float32Array.from(a.images!);
    const index = a.indices[2]!;
    // Pixel 0 of the third image set `shift` away from its clean value, inside [0, 1].
    const clean = train.images[index * PIXELS]!;
    images[2 * PIXELS] = clean + shift <= 1 ? clean + shift : clean - shift;
    // The rest of that image back to clean, so the moved pixel alone decides.
    for (let p = 1; p < PIXELS; p++) images[2 * PIXELS + p] = train.images[index * PIXELS + p]!;
    expectRefused(reseal(a, { images }), attack, { radius: 0.05 }, reason);
  });

  test('an image outside [0, 1] (re-sealed), NaN too', () => {
    const a = noise();
    for (const bad of [1.5, -0.01, Number.NaN]) {
      const images = Float32Array.from(a.images!);
      images[PIXELS + 3] = bad;
      expectRefused(reseal(a, { images }), gaussianNoise, GAUSSIAN_NOISE_DEFAULTS, `1 images have pixels outside [0, 1]: index ${a.indices[1]} pixel 3 = ${Math.fround(bad)}`);
    }
  });

  test('a label attack that also changed an image (re-sealed)', () => {
    const a = rlf();
    const images = new Float32Array(a.indices.length * PIXELS).fill(0.5);
    expectRefused(reseal(a, { images }), randomLabelFlip, {}, 'a label attack changed images (it carries new pixel values); it must keep every image');
  });

  test('a clean-label attack that also changed labels (re-sealed)', () => {
    const a = noise();
    const labels = Int32Array.from(a.indices, (i) => (train.labels[i]! + 1) % 5);
    expectRefused(reseal(a, { labels }), gaussianNoise, GAUSSIAN_NOISE_DEFAULTS, /clean-label \(feature\) attack changed labels/);
  });

  test('a feature poison with an image identical to the clean one (re-sealed)', () => {
    const a = noise();
    const images = Float32Array.from(a.images!);
    const index = a.indices[4]!;
    images.set(train.images.subarray(index * PIXELS, (index + 1) * PIXELS), 4 * PIXELS);
    expectRefused(reseal(a, { images }), gaussianNoise, GAUSSIAN_NOISE_DEFAULTS, `1 of 10 listed samples are not changed, so fewer than round(p·n) = 10 are poisoned: index ${index} (image identical)`);
  });

  test('a poison made for another dataset', () => {
    const a = rlf(0.1, 1, other);
    expectRefused(a, randomLabelFlip, {}, `it was made for dataset ${datasetContentHash(other).slice(0, 12)}, not for ${train.name} (${datasetContentHash(train).slice(0, 12)})`);
  });

  test('a poison of another attack, or made with other parameters', () => {
    expectRefused(rlf(), gaussianNoise, GAUSSIAN_NOISE_DEFAULTS, 'it was made by random-label-flip, not by gaussian-noise');
    const a = gaussianNoise.craft(train, 0.1, { seed: 1, backend: 'cpu', params: { sigma: 0.2 } }) as PoisonArtifact;
    expectRefused(a, gaussianNoise, GAUSSIAN_NOISE_DEFAULTS, 'it was made with parameters {"sigma":0.2}, not with the expected {"sigma":0.1}');
    // A poison that claims a larger ball than the tier's is checked against the tier's.
    const wide = box(boxLinf);
    expectRefused(reseal(wide, { params: { radius: 1 } }), boxLinf, { radius: 0.05 }, 'not with the expected {"radius":0.05}');
  });

  test('isPoisonRefused tells a refusal from other errors', () => {
    expect(isPoisonRefused(new PoisonRefusedError('a', 0.1, 'f'.repeat(64), 'why'))).toBe(true);
    expect(isPoisonRefused(new Error('poison refused'))).toBe(false);
    expect(isPoisonRefused('PoisonRefusedError')).toBe(false);
    expect(new PoisonRefusedError('a', 0.1, 'f'.repeat(64), 'why').message).toBe('poison ffffffffffff (a, p=0.1) refused: why');
  });
});
