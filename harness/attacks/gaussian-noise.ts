/**
 * Gaussian noise: exactly round(p·n) indices drawn uniformly without replacement by the seed; each
 * chosen image becomes clip(image + N(0, σ²) per pixel, 0, 1); labels are kept (a clean-label
 * feature attack). The study does not publish σ; the default here is {@link GAUSSIAN_NOISE_DEFAULTS}.
 */
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { Rng } from '../engine/rng.js';
import { settingsSchema } from '../plugins/settings.js';
import { checkBudget, makeArtifact, poisonCount } from './poison.js';
import type { Attack, PluginParams } from './types.js';

/** Parameters of the Gaussian noise attack. */
export interface GaussianNoiseParams {
  /** Standard deviation σ of the per-pixel noise, on the [0, 1] pixel scale; σ > 0. */
  sigma: number;
}

/**
 * Defaults: σ = 0.1 on the [0, 1] scale (the study does not publish σ; 0.1 is a visible but not
 * destructive corruption, about 25 grey levels of 255).
 */
export const GAUSSIAN_NOISE_DEFAULTS: Readonly<GaussianNoiseParams> = Object.freeze({ sigma: 0.1 });

/** The compiled schema of an `attacks["gaussian-noise"]` block (every field optional). */
export const GAUSSIAN_NOISE_SCHEMA = settingsSchema<Partial<GaussianNoiseParams>>('gaussian-noise', {
  type: 'object',
  additionalProperties: false,
  properties: { sigma: { type: 'number', exclusiveMinimum: 0 } },
});

/**
 * Effective parameters from a tier block (undefined or null: the defaults).
 *
 * @throws SettingsError naming each bad field, e.g. `gaussian-noise: /sigma must be > 0`
 */
export function gaussianNoiseSettings(block: unknown): GaussianNoiseParams {
  if (block === undefined || block === null) return { ...GAUSSIAN_NOISE_DEFAULTS };
  // ajv's strict numbers refuse NaN and ±Infinity as "must be number" too.
  return { ...GAUSSIAN_NOISE_DEFAULTS, ...GAUSSIAN_NOISE_SCHEMA.check(block) };
}

/** The Gaussian noise attack (`gaussian-noise`, a clean-label feature attack); see the module comment. */
export const gaussianNoise: Attack = {
  name: 'gaussian-noise',
  description: 'Gaussian noise: round(p·n) uniform images get clip(x + N(0, σ²), 0, 1) per pixel; labels kept',
  kind: 'feature',
  params: GAUSSIAN_NOISE_DEFAULTS,
  settings: (block: unknown): PluginParams => gaussianNoiseSettings(block),
  // Unbounded: the provenance verifier only checks that images stay in [0, 1].
  perturbationBound: () => null,
  deviations: (params: PluginParams): string[] => [
    `σ = ${gaussianNoiseSettings(params).sigma} per pixel on images in [0, 1] (the study does not publish σ), noise clipped to the range`,
  ],
  craft(train: ImageDataset, budget: number, context) {
    checkBudget(budget, 'gaussian-noise');
    // Checked again here: a spec's override or a hand-made context reaches craft without the tier loader.
    const params = gaussianNoiseSettings(context.params);
    const { sigma } = params;
    const rng = new Rng(context.seed).child('gaussian-noise');
    const indices = rng.child('indices').sampleWithoutReplacement(train.n, poisonCount(budget, train.n)).sort();
    const noise = rng.child('noise');
    const pixels = train.height * train.width * train.channels;
    const images = new Float32Array(indices.length * pixels);
    let sumL2 = 0;
    let maxLinf = 0;
    let clipped = 0;
    indices.forEach((index, k) => {
      const clean = train.images.subarray(index * pixels, (index + 1) * pixels);
      const out = images.subarray(k * pixels, (k + 1) * pixels);
      let squared = 0;
      for (let p = 0; p < pixels; p++) {
        const noisy = clean[p]! + sigma * noise.normal();
        if (noisy < 0 || noisy > 1) clipped++;
        out[p] = noisy < 0 ? 0 : noisy > 1 ? 1 : noisy;
        // Measured on the stored float32 value: what a search will actually see.
        const change = out[p]! - clean[p]!;
        squared += change * change;
        if (Math.abs(change) > maxLinf) maxLinf = Math.abs(change);
      }
      sumL2 += Math.sqrt(squared);
    });
    return makeArtifact(
      {
        attack: 'gaussian-noise',
        budget,
        params: { ...params },
        datasetHash: datasetContentHash(train),
        indices,
        images,
        diagnostics: {
          meanL2: sumL2 / indices.length,
          maxLinf,
          // Pixels whose noisy value left [0, 1] and was set to 0 or 1.
          clippedFraction: clipped / (indices.length * pixels),
        },
      },
      train,
    );
  },
};
