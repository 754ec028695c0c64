/**
 * Seeded, stratified selection of images: train/validation splits and class-balanced subsets
 * that keep class proportions, plus {@link takeIndices} to build a dataset from chosen images.
 * Chosen indices are returned in ascending order (the original file order).
 */
import type { Rng } from '../engine/rng.js';
import { classCounts, createImageDataset } from './dataset.js';
import type { ImageDataset } from './types.js';

/**
 * A new dataset made of the images at `indices` (in that order), with pixels and labels copied.
 * Name and source are kept unless overridden.
 * @throws RangeError on an index that is not an integer in `[0, ds.n)`.
 */
export function takeIndices(ds: ImageDataset, indices: ArrayLike<number>, overrides: { name?: string; source?: string } = {}): ImageDataset {
  const size = ds.height * ds.width * ds.channels;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new RangeError(`takeIndices(${ds.name}): index ${i} at position ${k} is outside [0, ${ds.n})`);
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i]!;
  }
  return createImageDataset({
    name: overrides.name ?? ds.name,
    images,
    labels,
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    numClasses: ds.numClasses,
    classNames: ds.classNames,
    source: overrides.source ?? ds.source,
  });
}

/** Indices of each class, in ascending order: `byClass[c]` lists the images labelled `c`. */
function indicesByClass(labels: Int32Array, numClasses: number): number[][] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    const list = byClass[y];
    if (list === undefined) throw new RangeError(`label ${y} at index ${i} is outside [0, ${numClasses})`);
    list.push(i);
  }
  return byClass;
}

/**
 * Splits `total` among classes in proportion to `counts` (largest-remainder method; ties go to
 * the lower class index). The parts sum to `total` and none exceeds its class count.
 */
export function proportionalAllocation(counts: ArrayLike<number>, total: number): Int32Array {
  let n = 0;
  for (let c = 0; c < counts.length; c++) n += counts[c]!;
  if (!Number.isInteger(total) || total < 0 || total > n) throw new RangeError(`proportionalAllocation: total ${total} is outside [0, ${n}]`);
  const alloc = new Int32Array(counts.length);
  const rema: Array<{ c: number; frac: number }> = [];
  let given = 0;
  for (let c = 0; c < counts.length; c++) {
    const quota = n === 0 ? 0 : (counts[c]! * total) / n;
    alloc[c] = Math.floor(quota);
    given += alloc[c]!;
    rema.push({ c, frac: quota - Math.floor(quota) });
  }
  rema.sort((a, b) => b.frac - a.frac || a.c - b.c);
  for (let k = 0; given < total; k++, given++) alloc[rema[k]!.c]!++;
  return alloc;
}

/** Train and validation indices of a stratified split. */
export interface SplitIndices {
  /** Original indices of the training part, ascending. */
  trainIndices: Int32Array;
  /** Original indices of the validation part, ascending. */
  validationIndices: Int32Array;
}

/**
 * Stratified split of labels: `round(n × validationFraction)` indices go to validation, spread
 * over classes in proportion to their counts; within a class the choice is uniform (seeded).
 */
export function stratifiedSplitIndices(labels: Int32Array, numClasses: number, validationFraction: number, rng: Rng): SplitIndices {
  if (!(validationFraction > 0 && validationFraction < 1)) throw new RangeError(`stratifiedSplit: validationFraction must be in (0, 1), got ${validationFraction}`);
  const n = labels.length;
  const nVal = Math.round(n * validationFraction);
  if (nVal === 0 || nVal === n) throw new RangeError(`stratifiedSplit: a fraction of ${validationFraction} of ${n} images leaves one part empty`);
  const alloc = proportionalAllocation(classCounts(labels, numClasses), nVal);
  const isVal = new Uint8Array(n);
  indicesByClass(labels, numClasses).forEach((list, c) => {
    rng.shuffle(list);
    for (let k = 0; k < alloc[c]!; k++) isVal[list[k]!] = 1;
  });
  const trainIndices = new Int32Array(n - nVal);
  const validationIndices = new Int32Array(nVal);
  let t = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (isVal[i]) validationIndices[v++] = i;
    else trainIndices[t++] = i;
  }
  return { trainIndices, validationIndices };
}

/** A stratified train/validation split of a dataset, with the original indices of each part. */
export interface StratifiedSplit extends SplitIndices {
  /** The training part, named `<name>[train]`. */
  train: ImageDataset;
  /** The validation part, named `<name>[validation]`. */
  validation: ImageDataset;
}

/**
 * Seeded stratified train/validation split that preserves class proportions (each class
 * contributes `≈ validationFraction` of its images to validation; the total is exactly
 * `round(n × validationFraction)`). Same rng seed → same split.
 */
export function stratifiedSplit(ds: ImageDataset, validationFraction: number, rng: Rng): StratifiedSplit {
  const idx = stratifiedSplitIndices(ds.labels, ds.numClasses, validationFraction, rng);
  return {
    ...idx,
    train: takeIndices(ds, idx.trainIndices, { name: `${ds.name}[train]` }),
    validation: takeIndices(ds, idx.validationIndices, { name: `${ds.name}[validation]` }),
  };
}

/** Size of a stratified subset: a fixed number per class, or a total split in proportion. */
export type SubsetSize = { perClass: number } | { total: number };

/**
 * Indices of a seeded stratified subset, ascending. `{ perClass: k }` takes k images of every
 * class (error if a class has fewer); `{ total: m }` takes m images spread over classes in
 * proportion to their counts.
 */
export function stratifiedSubsetIndices(labels: Int32Array, numClasses: number, size: SubsetSize, rng: Rng): Int32Array {
  const counts = classCounts(labels, numClasses);
  let alloc: Int32Array;
  if ('perClass' in size) {
    const k = size.perClass;
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`stratifiedSubset: perClass must be a non-negative integer, got ${k}`);
    counts.forEach((count, c) => {
      if (count < k) throw new RangeError(`stratifiedSubset: class ${c} has ${count} images, fewer than the ${k} per class asked for`);
    });
    alloc = new Int32Array(numClasses).fill(k);
  } else {
    alloc = proportionalAllocation(counts, size.total);
  }
  const chosen: number[] = [];
  indicesByClass(labels, numClasses).forEach((list, c) => {
    rng.shuffle(list);
    for (let k = 0; k < alloc[c]!; k++) chosen.push(list[k]!);
  });
  return Int32Array.from(chosen).sort();
}

/** Seeded stratified subset of a dataset (see {@link stratifiedSubsetIndices}), named `<name>[subset]`. */
export function stratifiedSubset(ds: ImageDataset, size: SubsetSize, rng: Rng): { subset: ImageDataset; indices: Int32Array } {
  const indices = stratifiedSubsetIndices(ds.labels, ds.numClasses, size, rng);
  return { subset: takeIndices(ds, indices, { name: `${ds.name}[subset]` }), indices };
}
