// Gaussian noise: round(p·n) distinct ascending indices; each chosen image is clip(x + N(0, σ²), 0, 1)
// per pixel (values exactly 0 or 1 where the noise crossed the range, noise of sd σ elsewhere), labels
// kept; seeded; σ comes from the tier block and σ ≤ 0 (or a non-number, or an unknown field) is refused.
import { describe, expect, test } from 'vitest';
import { createImageDataset } from '../data/dataset.js';
import { syntheticDataset } from '../data/synthetic.js';
import type { ImageDataset } from '../data/types.js';
import { isSettingsError } from '../plugins/settings.js';
import { GAUSSIAN_NOISE_DEFAULTS, gaussianNoise, gaussianNoiseSettings } from './gaussian-noise.js';
import { poisonCount } from './poison.js';
import { verifyPoison } from './provenance.js';
import type { PluginParams, PoisonArtifact } from './types.js';

const craft = (train: ImageDataset, budget: number, seed: number, params?: PluginParams) =>
  gaussianNoise.craft(train, budget, { seed, backend: 'cpu', ...(params ? { params } : {}) }) as PoisonArtifact;

/** n images of 8×8×1, every pixel `value` (one value: the clipping and the noise sd are exact to check). */
function flat(n: number, value: number): ImageDataset {
  return createImageDataset({
    name: `flat-${value}`,
    images: new Float32Array(n * 64).fill(value),
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    height: 8,
    width: 8,
    channels: 1,
    numClasses: 3,
    source: 'test',
  });
}

const train = syntheticDataset({ n: 200, seed: 3, height: 6, numClasses: 4 });

describe('gaussian noise: which samples', () => {
  test.each([
    [0.01, 2],
    [0.1, 20],
    [0.5, 100],
  ])('p = %f of n = 200 poisons exactly %i distinct ascending samples, labels kept', (p, k) => {
    const a = craft(train, p, 1);
    expect(poisonCount(p, 200)).toBe(k);
    expect(a.indices.length).toBe(k);
    for (let i = 1; i < k; i++) expect(a.indices[i]).toBeGreaterThan(a.indices[i - 1]!);
    expect(a.labels).toBeUndefined();
    expect(a.images!.length).toBe(k * 6 * 6);
    expect(a).toMatchObject({ format: 'naspoison.poison.v1', attack: 'gaussian-noise', budget: p, params: { sigma: 0.1 } });
    // Passes the provenance verifier: k images changed, none of the labels, all pixels in range.
    const report = verifyPoison(a, train, gaussianNoise, GAUSSIAN_NOISE_DEFAULTS);
    expect(report).toMatchObject({ count: k, imagesChanged: k, labelsChanged: 0, imagesInRange: true, boundNorm: null });
  });
});

describe('gaussian noise: pixels', () => {
  test('every pixel stays in [0, 1]; every chosen image differs from its clean one', () => {
    const a = craft(train, 0.3, 2, { sigma: 0.3 });
    const pixels = 36;
    expect(Math.min(...a.images!)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.images!)).toBeLessThanOrEqual(1);
    a.indices.forEach((index, k) => {
      const clean = train.images.subarray(index * pixels, (index + 1) * pixels);
      expect([...a.images!.subarray(k * pixels, (k + 1) * pixels)]).not.toEqual([...clean]);
    });
  });

  test('where the noise crosses the range the value is exactly 0 or 1; the clipped fraction is recorded', () => {
    // Mid-grey with σ = 0.5: P(|noise| > 0.5) = P(|z| > 1) ≈ 0.317 of the pixels clip, half each way.
    const ds = flat(100, 0.5);
    const a = craft(ds, 0.5, 5, { sigma: 0.5 });
    const values = [...a.images!];
    const zeros = values.filter((v) => v === 0).length;
    const ones = values.filter((v) => v === 1).length;
    const fraction = (zeros + ones) / values.length;
    expect(fraction).toBeGreaterThan(0.28);
    expect(fraction).toBeLessThan(0.36);
    expect(Math.abs(zeros - ones) / (zeros + ones)).toBeLessThan(0.1);
    expect(a.diagnostics!.clippedFraction).toBeCloseTo(fraction, 12);
    // Nothing lands strictly outside, nor between the range and its ends by clipping (e.g. 1 − ε).
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Pixels already at 0 go up or stay at exactly 0, never below.
    const black = craft(flat(50, 0), 0.5, 5, { sigma: 0.2 });
    const blackValues = [...black.images!];
    expect(blackValues.filter((v) => v === 0).length / blackValues.length).toBeGreaterThan(0.45);
    expect(blackValues.filter((v) => v === 0).length / blackValues.length).toBeLessThan(0.55);
  });

  test.each([0.02, 0.1])('the noise where nothing clipped has mean ≈ 0 and sd ≈ σ = %f', (sigma) => {
    // Mid-grey: at σ ≤ 0.1 the range is ≥ 5σ away, so (almost) nothing clips and the noise is untruncated.
    const ds = flat(200, 0.5);
    const a = craft(ds, 0.5, 7, { sigma });
    const noise = [...a.images!].filter((v) => v > 0 && v < 1).map((v) => v - 0.5);
    expect(noise.length).toBeGreaterThan(0.999 * a.images!.length);
    const mean = noise.reduce((s, x) => s + x, 0) / noise.length;
    const sd = Math.sqrt(noise.reduce((s, x) => s + (x - mean) ** 2, 0) / (noise.length - 1));
    // 6,400 values: the sd's standard error is σ/√12800 ≈ 0.9% of σ; 4% is > 4 standard errors.
    expect(Math.abs(sd / sigma - 1)).toBeLessThan(0.04);
    expect(Math.abs(mean)).toBeLessThan(4 * (sigma / Math.sqrt(noise.length)));
    // The recorded change sizes match the images: mean L2 ≈ σ·√64 = 8σ, max L∞ a few σ.
    expect((a.diagnostics!.meanL2 as number) / (8 * sigma)).toBeGreaterThan(0.95);
    expect((a.diagnostics!.meanL2 as number) / (8 * sigma)).toBeLessThan(1.05);
    expect(a.diagnostics!.maxLinf).toBeCloseTo(Math.max(...noise.map(Math.abs)), 6);
  });

  test('pixels are independent draws (neighbouring noise values uncorrelated)', () => {
    const a = craft(flat(200, 0.5), 0.5, 8, { sigma: 0.05 });
    const z = [...a.images!].map((v) => v - 0.5);
    let num = 0;
    let den = 0;
    for (let i = 0; i + 1 < z.length; i++) num += z[i]! * z[i + 1]!;
    for (const x of z) den += x * x;
    // Box–Muller pairs are independent; a bug reusing draws would give correlation near ±1.
    expect(Math.abs(num / den)).toBeLessThan(0.05);
  });
});

describe('gaussian noise: determinism', () => {
  test('the same seed and σ give an identical artifact; another seed or σ another one', () => {
    const a = craft(train, 0.1, 42);
    expect(craft(train, 0.1, 42)).toEqual(a);
    const b = craft(train, 0.1, 43);
    expect(b.hash).not.toBe(a.hash);
    expect([...b.indices]).not.toEqual([...a.indices]);
    const c = craft(train, 0.1, 42, { sigma: 0.2 });
    expect(c.hash).not.toBe(a.hash);
    // Same seed: the same samples and the same unit draws, scaled by σ (before clipping).
    expect([...c.indices]).toEqual([...a.indices]);
    expect(c.params).toEqual({ sigma: 0.2 });
  });

  test('context.params absent means the default σ = 0.1', () => {
    expect(craft(train, 0.1, 42).hash).toBe(craft(train, 0.1, 42, { sigma: 0.1 }).hash);
    expect(GAUSSIAN_NOISE_DEFAULTS.sigma).toBe(0.1);
  });
});

describe('gaussian noise: settings', () => {
  test('no block means the defaults; a block sets σ', () => {
    expect(gaussianNoise.settings!(undefined)).toEqual({ sigma: 0.1 });
    expect(gaussianNoise.settings!({})).toEqual({ sigma: 0.1 });
    expect(gaussianNoise.settings!({ sigma: 0.03 })).toEqual({ sigma: 0.03 });
    expect(gaussianNoise.perturbationBound!({ sigma: 0.03 })).toBeNull();
  });

  test.each([
    [{ sigma: 0 }, '/sigma must be > 0'],
    [{ sigma: -0.1 }, '/sigma must be > 0'],
    [{ sigma: '0.1' }, '/sigma must be number'],
    [{ sigma: Number.NaN }, '/sigma must be number'],
    [{ sigma: Number.POSITIVE_INFINITY }, '/sigma must be number'],
    [{ sigma: 0.1, epsilon: 1 }, '/epsilon is not a known property'],
    [[0.1], '(block) must be object'],
  ])('block %j is refused naming %s', (block, message) => {
    let error: unknown;
    try {
      gaussianNoiseSettings(block);
    } catch (e) {
      error = e;
    }
    expect(isSettingsError(error)).toBe(true);
    expect((error as Error).message).toBe(`gaussian-noise: ${message}`);
  });

  test('craft refuses bad parameters given directly in its context, and bad budgets', () => {
    expect(() => craft(train, 0.1, 1, { sigma: -1 })).toThrow('gaussian-noise: /sigma must be > 0');
    expect(() => craft(train, 0, 1)).toThrow(/gaussian-noise: budget 0 is invalid/);
    expect(() => craft(train, 1, 1)).toThrow(/gaussian-noise: budget 1 is invalid/);
  });
});
