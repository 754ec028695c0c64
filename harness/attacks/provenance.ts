/**
 * The provenance verifier: every poison passes it before any search reads it (obtainPoison runs it
 * on a freshly crafted poison before caching it, and on a cached one before returning it). It checks
 * that the poison was made for this clean set by this attack with these parameters, that its content
 * matches its hash, and that it changed exactly what its attack's kind allows, exactly round(p·n)
 * samples, each really changed, with images in [0, 1] and inside the attack's perturbation bound.
 * It returns what changed and how ({@link ProvenanceReport}) or throws a {@link PoisonRefusedError}.
 */
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { canonicalJson } from '../util/canonical-json.js';
import { poisonCount, poisonHash } from './poison.js';
import type { Attack, PerturbationBound, PluginParams, PoisonArtifact } from './types.js';

/**
 * What a verified poison changed, and how. Flat scalars only (a type alias, so it is a plain
 * record): a trial can store every field as a `poison.<field>` diagnostic.
 */
export type ProvenanceReport = {
  attack: string;
  kind: Attack['kind'];
  budget: number;
  /** The poison's content hash. */
  hash: string;
  datasetHash: string;
  /** Training-set size n. */
  n: number;
  /** Samples the poison replaces: round(p·n), at least 1. */
  count: number;
  /** Listed samples whose label differs from the clean one. */
  labelsChanged: number;
  /** Listed samples whose image differs from the clean one. */
  imagesChanged: number;
  /** Largest L∞ norm of one image's change; null when the poison keeps every image. */
  imageMaxLinf: number | null;
  /** Mean L∞ norm of the carried images' changes; null when the poison keeps every image. */
  imageMeanLinf: number | null;
  /** Largest L2 norm of one image's change; null when the poison keeps every image. */
  imageMaxL2: number | null;
  /** Mean L2 norm of the carried images' changes; null when the poison keeps every image. */
  imageMeanL2: number | null;
  /** Every carried pixel lies in [0, 1] (always true of a verified poison). */
  imagesInRange: boolean;
  /** Norm of the ball the changed images were checked against; null: none, only the range. */
  boundNorm: PerturbationBound['norm'] | null;
  /** Radius of that ball; null without one. */
  boundRadius: number | null;
  /** Slack allowed over the radius (see {@link boundTolerance}); 0 without a bound. */
  boundTolerance: number;
};

/** A poison that failed verification: no search may read it. */
export class PoisonRefusedError extends Error {
  override readonly name = 'PoisonRefusedError';

  constructor(
    /** The attack the poison names. */
    readonly attack: string,
    readonly budget: number,
    /** The poison's recorded hash. */
    readonly hash: string,
    /** Why it was refused. */
    readonly reason: string,
  ) {
    super(`poison ${String(hash).slice(0, 12)} (${attack}, p=${budget}) refused: ${reason}`);
  }
}

/** Whether `error` is a {@link PoisonRefusedError} (also one from another copy of this module). */
export function isPoisonRefused(error: unknown): error is PoisonRefusedError {
  return error instanceof Error && error.name === 'PoisonRefusedError' && typeof (error as Partial<PoisonRefusedError>).reason === 'string';
}

/**
 * Slack allowed over a bound's radius. Poisons are stored as float32: rounding x + δ to float32
 * moves each pixel by at most 2^-24 ≈ 6e-8 (values in [0, 1]), and an attack computing in float32
 * holds the radius itself only to about 1e-7 relative. We allow 1e-6 per pixel (more than ten times
 * that), i.e. 1e-6 + 1e-6·radius for L∞ and (1e-6 + 1e-6·radius)·√pixels for L2 (the per-pixel errors
 * of one image add up in quadrature to at most that); a real violation is orders of magnitude larger.
 */
export function boundTolerance(bound: PerturbationBound, pixelsPerImage: number): number {
  const perPixel = 1e-6 * (1 + bound.radius);
  return bound.norm === 'linf' ? perPixel : perPixel * Math.sqrt(pixelsPerImage);
}

/** At most this many offending samples are named in a refusal; the count says how many there were. */
const NAMED = 3;

function named(list: readonly string[]): string {
  return list.slice(0, NAMED).join('; ') + (list.length > NAMED ? `; … (${list.length} in all)` : '');
}

/**
 * Verifies a poison against the clean training set it claims to be made for, the attack that made
 * it and that attack's effective parameters `params` (the tier's; the poison must record the same).
 *
 * @throws PoisonRefusedError naming the poison (attack, budget, short hash) and the first failed check
 */
export function verifyPoison(artifact: PoisonArtifact, clean: ImageDataset, attack: Attack, params: PluginParams): ProvenanceReport {
  const refuse = (reason: string): never => {
    throw new PoisonRefusedError(artifact.attack, artifact.budget, artifact.hash, reason);
  };
  if (artifact.format !== 'naspoison.poison.v1') refuse(`unknown format ${JSON.stringify(artifact.format)}`);
  if (artifact.attack !== attack.name) refuse(`it was made by ${artifact.attack}, not by ${attack.name}`);
  const cleanHash = datasetContentHash(clean);
  if (artifact.datasetHash !== cleanHash) {
    refuse(`it was made for dataset ${artifact.datasetHash.slice(0, 12)}, not for ${clean.name} (${cleanHash.slice(0, 12)})`);
  }
  const { hash, ...content } = artifact;
  let recomputed: string;
  try {
    recomputed = poisonHash(content);
  } catch (error) {
    return refuse(`its content cannot be hashed (${(error as Error).message})`);
  }
  if (recomputed !== hash) refuse(`its content hashes to ${recomputed.slice(0, 12)}, not to the recorded ${hash.slice(0, 12)}; it is corrupt or was modified`);
  if (canonicalJson(artifact.params) !== canonicalJson(params)) {
    refuse(`it was made with parameters ${canonicalJson(artifact.params)}, not with the expected ${canonicalJson(params)}`);
  }

  const { indices, labels, images, budget } = artifact;
  if (typeof budget !== 'number' || !(budget > 0 && budget < 1)) refuse(`budget ${String(budget)} is outside 0 < p < 1`);
  const count = poisonCount(budget, clean.n);
  if (indices.length !== count) refuse(`it lists ${indices.length} samples, but p=${budget} of n=${clean.n} replaces exactly ${count}`);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (index < 0 || index >= clean.n) refuse(`index ${index} is outside the training set (n = ${clean.n})`);
    if (i > 0 && index <= indices[i - 1]!) refuse(`indices are not strictly ascending at position ${i} (${indices[i - 1]} then ${index})`);
  }

  // What each kind may carry: a label attack keeps every image, a clean-label attack every label.
  if (attack.kind === 'label') {
    if (images !== undefined) refuse('a label attack changed images (it carries new pixel values); it must keep every image');
    if (labels === undefined) refuse('a label attack carries no labels');
  } else if (attack.kind === 'feature') {
    if (labels !== undefined) refuse('a clean-label (feature) attack changed labels (it carries new labels); it must keep every label');
    if (images === undefined) refuse('a feature attack carries no images');
  } else if (labels === undefined && images === undefined) {
    refuse('it carries neither labels nor images');
  }

  const pixels = clean.height * clean.width * clean.channels;
  if (labels !== undefined) {
    if (labels.length !== count) refuse(`it carries ${labels.length} labels for ${count} samples`);
    const bad = [...labels].flatMap((label, k) => (label >= 0 && label < clean.numClasses ? [] : [`index ${indices[k]} label ${label}`]));
    if (bad.length > 0) refuse(`labels outside 0..${clean.numClasses - 1}: ${named(bad)}`);
  }
  if (images !== undefined && images.length !== count * pixels) refuse(`it carries ${images.length} pixel values for ${count} images of ${pixels} pixels`);

  let labelsChanged = 0;
  let imagesChanged = 0;
  const unchanged: string[] = [];
  const outOfRange: string[] = [];
  const outOfBall: string[] = [];
  const bound = images !== undefined ? (attack.perturbationBound?.(params) ?? null) : null;
  const tolerance = bound ? boundTolerance(bound, pixels) : 0;
  const stats = { maxLinf: 0, meanLinf: 0, maxL2: 0, meanL2: 0 };

  for (let k = 0; k < count; k++) {
    const index = indices[k]!;
    const labelChanged = labels !== undefined && labels[k] !== clean.labels[index];
    let imageChanged = false;
    if (images !== undefined) {
      let linf = 0;
      let squared = 0;
      let firstOutside = -1;
      for (let p = 0; p < pixels; p++) {
        const value = images[k * pixels + p]!;
        // Written so that NaN fails too.
        if (!(value >= 0 && value <= 1) && firstOutside < 0) firstOutside = p;
        const change = Math.abs(value - clean.images[index * pixels + p]!);
        if (change !== 0) imageChanged = true;
        if (change > linf) linf = change;
        squared += change * change;
      }
      const l2 = Math.sqrt(squared);
      if (firstOutside >= 0) outOfRange.push(`index ${index} pixel ${firstOutside} = ${images[k * pixels + firstOutside]}`);
      if (bound) {
        const size = bound.norm === 'linf' ? linf : l2;
        if (!(size <= bound.radius + tolerance)) outOfBall.push(`index ${index} has ‖Δ‖${bound.norm === 'linf' ? '∞' : '₂'} = ${size.toPrecision(6)}`);
      }
      stats.maxLinf = Math.max(stats.maxLinf, linf);
      stats.meanLinf += linf / count;
      stats.maxL2 = Math.max(stats.maxL2, l2);
      stats.meanL2 += l2 / count;
    }
    if (labelChanged) labelsChanged++;
    if (imageChanged) imagesChanged++;
    if (!labelChanged && !imageChanged) {
      unchanged.push(labels !== undefined ? `index ${index} (label ${clean.labels[index]} → ${labels[k]}${images !== undefined ? ', image identical' : ''})` : `index ${index} (image identical)`);
    }
  }
  if (unchanged.length > 0) refuse(`${unchanged.length} of ${count} listed samples are not changed, so fewer than round(p·n) = ${count} are poisoned: ${named(unchanged)}`);
  if (outOfRange.length > 0) refuse(`${outOfRange.length} images have pixels outside [0, 1]: ${named(outOfRange)}`);
  if (bound && outOfBall.length > 0) {
    refuse(`${outOfBall.length} images leave the ${bound.norm === 'linf' ? 'L∞' : 'L2'} ball of radius ${bound.radius} (tolerance ${tolerance.toExponential(2)}): ${named(outOfBall)}`);
  }
  return {
    attack: artifact.attack,
    kind: attack.kind,
    budget,
    hash,
    datasetHash: artifact.datasetHash,
    n: clean.n,
    count,
    labelsChanged,
    imagesChanged,
    imageMaxLinf: images !== undefined ? stats.maxLinf : null,
    imageMeanLinf: images !== undefined ? stats.meanLinf : null,
    imageMaxL2: images !== undefined ? stats.maxL2 : null,
    imageMeanL2: images !== undefined ? stats.meanL2 : null,
    imagesInRange: true,
    boundNorm: bound?.norm ?? null,
    boundRadius: bound?.radius ?? null,
    boundTolerance: tolerance,
  };
}
