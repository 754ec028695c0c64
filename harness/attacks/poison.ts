/** Building, hashing, verifying and applying poison artifacts. */
import { createHash } from 'node:crypto';
import { createImageDataset } from '../data/dataset.js';
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { PoisonArtifact } from './types.js';

/** Throws unless 0 < budget < 1, naming the attack and the value. */
export function checkBudget(budget: unknown, attack: string): number {
  if (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0 || budget >= 1) {
    // String(NaN) is "NaN" where JSON.stringify would write "null"; a non-number is shown quoted, with its type.
    const shown = typeof budget === 'number' ? String(budget) : `${JSON.stringify(budget) ?? String(budget)} (${typeof budget}, not a number)`;
    throw new RangeError(`${attack}: budget ${shown} is invalid; it is the poisoned fraction p and must satisfy 0 < p < 1`);
  }
  return budget;
}

/** Number of samples a budget poisons: round(p·n), at least 1. */
export function poisonCount(budget: number, n: number): number {
  return Math.max(1, Math.round(budget * n));
}

function bytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** sha256 over the artifact's content: everything but its diagnostics and the hash. */
export function poisonHash(artifact: Omit<PoisonArtifact, 'hash'>): string {
  const h = createHash('sha256');
  h.update(
    canonicalJson({
      format: artifact.format,
      attack: artifact.attack,
      budget: artifact.budget,
      params: artifact.params,
      datasetHash: artifact.datasetHash,
      count: artifact.indices.length,
      hasLabels: artifact.labels !== undefined,
      hasImages: artifact.images !== undefined,
      // Not the diagnostics: they measure the making (crafting time, a cached surrogate), and the same
      // poison made twice must have one name.
    }),
  );
  h.update(bytes(artifact.indices));
  if (artifact.labels) h.update(bytes(artifact.labels));
  if (artifact.images) h.update(bytes(artifact.images));
  return h.digest('hex');
}

/** Seals an artifact: sorts nothing, checks shapes, adds the hash. */
export function makeArtifact(fields: Omit<PoisonArtifact, 'hash' | 'format'>, train: ImageDataset): PoisonArtifact {
  const base = { format: 'naspoison.poison.v1' as const, ...fields };
  verifyShape(base, train);
  return { ...base, hash: poisonHash(base) };
}

function verifyShape(artifact: Omit<PoisonArtifact, 'hash'>, train: ImageDataset): void {
  const { indices, labels, images, attack } = artifact;
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (index < 0 || index >= train.n) throw new Error(`poison of ${attack}: index ${index} is outside the training set (n = ${train.n})`);
    if (i > 0 && index <= indices[i - 1]!) throw new Error(`poison of ${attack}: indices must be strictly ascending (position ${i})`);
  }
  if (labels) {
    if (labels.length !== indices.length) throw new Error(`poison of ${attack}: ${labels.length} labels for ${indices.length} indices`);
    for (const label of labels) {
      if (label < 0 || label >= train.numClasses) throw new Error(`poison of ${attack}: label ${label} is outside 0..${train.numClasses - 1}`);
    }
  }
  if (images) {
    const pixels = train.height * train.width * train.channels;
    if (images.length !== indices.length * pixels) {
      throw new Error(`poison of ${attack}: ${images.length} pixel values for ${indices.length} images of ${pixels} pixels`);
    }
  }
}

/**
 * Returns the poisoned training set. Refuses a poison made for other data or whose content does
 * not match its hash (tampered or corrupted), naming the mismatch.
 */
export function applyPoison(train: ImageDataset, artifact: PoisonArtifact): ImageDataset {
  const actual = datasetContentHash(train);
  if (artifact.datasetHash !== actual) {
    throw new Error(`poison ${artifact.hash.slice(0, 12)} (${artifact.attack}) was made for dataset ${artifact.datasetHash.slice(0, 12)}, not for ${train.name} (${actual.slice(0, 12)})`);
  }
  const { hash, ...content } = artifact;
  const recomputed = poisonHash(content);
  if (recomputed !== hash) {
    throw new Error(`poison of ${artifact.attack}: content hash ${recomputed.slice(0, 12)} does not match the recorded hash ${hash.slice(0, 12)}; the artifact is corrupt or was modified`);
  }
  verifyShape(content, train);
  const labels = Int32Array.from(train.labels);
  const images = artifact.images ? Float32Array.from(train.images) : train.images;
  const pixels = train.height * train.width * train.channels;
  artifact.indices.forEach((index, k) => {
    if (artifact.labels) labels[index] = artifact.labels[k]!;
    if (artifact.images) images.set(artifact.images.subarray(k * pixels, (k + 1) * pixels), index * pixels);
  });
  return createImageDataset({
    name: `${train.name}+${artifact.attack}@${artifact.budget}`,
    images,
    labels,
    height: train.height,
    width: train.width,
    channels: train.channels,
    numClasses: train.numClasses,
    ...(train.classNames ? { classNames: train.classNames } : {}),
    source: `${train.source} | poisoned by ${artifact.attack} p=${artifact.budget} (${artifact.hash.slice(0, 12)})`,
  });
}
