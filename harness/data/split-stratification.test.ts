import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { createImageDataset, classCounts } from './dataset.js';
import { proportionalAllocation, stratifiedSplit, stratifiedSubset, takeIndices } from './split.js';
import type { ImageDataset } from './types.js';

/** 1,000 images, classes of unequal size (500, 300, 150, 50); image i holds the value i. */
function unbalanced(): ImageDataset {
  const sizes = [500, 300, 150, 50];
  const labels: number[] = [];
  sizes.forEach((s, c) => labels.push(...new Array<number>(s).fill(c)));
  new Rng(99).shuffle(labels);
  return createImageDataset({
    name: 'u',
    images: Float32Array.from({ length: 1000 }, (_, i) => i),
    labels: Int32Array.from(labels),
    height: 1,
    width: 1,
    channels: 1,
    numClasses: 4,
    source: 'test',
  });
}

describe('stratified splitting', () => {
  const ds = unbalanced();

  test('validation keeps each class proportion; parts are disjoint, cover everything and match their indices', () => {
    const s = stratifiedSplit(ds, 0.2, new Rng(1));
    expect(Array.from(classCounts(s.validation.labels, 4))).toEqual([100, 60, 30, 10]);
    expect(Array.from(classCounts(s.train.labels, 4))).toEqual([400, 240, 120, 40]);
    const all = [...s.trainIndices, ...s.validationIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(s.validation.images)).toEqual(Array.from(s.validationIndices));
    expect(Array.from(s.train.labels)).toEqual(Array.from(s.trainIndices, (i) => ds.labels[i]!));
    expect(s.train.name).toBe('u[train]');
    expect(s.validation.name).toBe('u[validation]');
  });

  test('uneven quotas: total is round(n·f), each class within one of its exact share', () => {
    const s = stratifiedSplit(ds, 0.137, new Rng(1));
    expect(s.validation.n).toBe(137);
    const counts = classCounts(s.validation.labels, 4);
    [500, 300, 150, 50].forEach((size, c) => expect(Math.abs(counts[c]! - size * 0.137)).toBeLessThan(1));
  });

  test('same seed → same split; different seed → different split', () => {
    const a = stratifiedSplit(ds, 0.25, new Rng(7)).validationIndices;
    const b = stratifiedSplit(ds, 0.25, new Rng(7)).validationIndices;
    const c = stratifiedSplit(ds, 0.25, new Rng(8)).validationIndices;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  test('fractions that leave a part empty are refused', () => {
    expect(() => stratifiedSplit(ds, 0, new Rng(1))).toThrow(RangeError);
    expect(() => stratifiedSplit(ds, 1, new Rng(1))).toThrow(RangeError);
    expect(() => stratifiedSplit(ds, 0.0001, new Rng(1))).toThrow(/empty/);
  });
});

describe('stratified subsets and takeIndices', () => {
  const ds = unbalanced();

  test('perClass takes that many of every class, seeded', () => {
    const { subset, indices } = stratifiedSubset(ds, { perClass: 20 }, new Rng(2));
    expect(Array.from(classCounts(subset.labels, 4))).toEqual([20, 20, 20, 20]);
    expect(Array.from(indices)).toEqual([...indices].sort((a, b) => a - b));
    expect(stratifiedSubset(ds, { perClass: 20 }, new Rng(2)).indices).toEqual(indices);
    expect(stratifiedSubset(ds, { perClass: 20 }, new Rng(3)).indices).not.toEqual(indices);
    expect(() => stratifiedSubset(ds, { perClass: 51 }, new Rng(2))).toThrow(/class 3 has 50 images/);
  });

  test('total keeps proportions', () => {
    const { subset } = stratifiedSubset(ds, { total: 100 }, new Rng(2));
    expect(Array.from(classCounts(subset.labels, 4))).toEqual([50, 30, 15, 5]);
  });

  test('proportionalAllocation sums to the total, ties to the lower class', () => {
    expect(Array.from(proportionalAllocation([1, 1, 1], 2))).toEqual([1, 1, 0]);
    expect(Array.from(proportionalAllocation([5, 3, 2], 7))).toEqual([4, 2, 1]);
  });

  test('takeIndices copies the chosen images in the given order and checks bounds', () => {
    const t = takeIndices(ds, [5, 0, 5]);
    expect(Array.from(t.images)).toEqual([5, 0, 5]);
    expect(Array.from(t.labels)).toEqual([ds.labels[5], ds.labels[0], ds.labels[5]]);
    expect(t.name).toBe('u');
    expect(() => takeIndices(ds, [1000])).toThrow(/index 1000 at position 0 is outside \[0, 1000\)/);
  });
});
