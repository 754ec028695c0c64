// What a defence did, counted: removals, poisons among them, precision and recall on hand-worked
// cases; the checks every defence's `kept` passes; the search set built from it.
import { describe, expect, test } from 'vitest';
import { makeArtifact } from '../attacks/poison.js';
import type { PoisonArtifact } from '../attacks/types.js';
import { syntheticDataset } from '../data/synthetic.js';
import { datasetContentHash } from '../data/types.js';
import { checkKept, defenceEffectiveness, filteredTrainingSet } from './index.js';

const train = syntheticDataset({ n: 10, seed: 1, height: 4, numClasses: 3, name: 'tiny' });

/** A label poison of `train` at `indices` (each label moved to the next class). */
function poisonAt(indices: number[]): PoisonArtifact {
  const labels = Int32Array.from(indices, (i) => (train.labels[i]! + 1) % train.numClasses);
  return makeArtifact({ attack: 'hand', budget: indices.length / train.n, params: {}, datasetHash: datasetContentHash(train), indices: Int32Array.from(indices), labels }, train);
}

const kept = (...i: number[]): Int32Array => Int32Array.from(i);

describe('defenceEffectiveness', () => {
  test('some removals hit, some miss: precision and recall by hand', () => {
    // n = 10, poisons {1, 4, 7}; removed {1, 2, 7, 9}: 2 of 4 removals are poisons, 2 of 3 poisons removed.
    const e = defenceEffectiveness(kept(0, 3, 4, 5, 6, 8), 10, poisonAt([1, 4, 7]));
    expect(e).toEqual({ kept: 6, removed: 4, poisonsRemoved: 2, poisonsTotal: 3, precision: 0.5, recall: 2 / 3 });
  });

  test('removing exactly the poisons: precision = recall = 1', () => {
    expect(defenceEffectiveness(kept(0, 2, 3, 5, 6, 8, 9), 10, poisonAt([1, 4, 7]))).toMatchObject({ precision: 1, recall: 1, poisonsRemoved: 3 });
  });

  test('removing nothing: precision null (no removals), recall 0', () => {
    const all = kept(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    expect(defenceEffectiveness(all, 10, poisonAt([1, 4, 7]))).toEqual({ kept: 10, removed: 0, poisonsRemoved: 0, poisonsTotal: 3, precision: null, recall: 0 });
  });

  test('only clean samples removed: precision 0, recall 0', () => {
    expect(defenceEffectiveness(kept(1, 4, 7), 10, poisonAt([1, 4, 7]))).toMatchObject({ removed: 7, poisonsRemoved: 0, precision: 0, recall: 0 });
  });

  test('a clean set: recall null (no poison), precision 0 when something was removed', () => {
    expect(defenceEffectiveness(kept(0, 5), 10, null)).toEqual({ kept: 2, removed: 8, poisonsRemoved: 0, poisonsTotal: 0, precision: 0, recall: null });
  });

  test('kept indices out of order or out of range are refused', () => {
    expect(() => defenceEffectiveness(kept(3, 2), 10, null)).toThrow(/strictly ascending, but 2 at position 1 follows 3/);
    expect(() => defenceEffectiveness(kept(0, 10), 10, null)).toThrow(/index 10 at position 1 is outside the suspect set \[0, 10\)/);
  });

  test('a poison with indices beyond the suspect set (another set) is refused, naming the attack', () => {
    expect(() => defenceEffectiveness(kept(0, 1), 5, poisonAt([1, 7]))).toThrow(/poison of hand: index 7 .* outside the suspect set \[0, 5\)/);
  });
});

describe('checkKept', () => {
  test('accepts strictly ascending indices in range and returns them', () => {
    const k = kept(0, 4, 9);
    expect(checkKept(k, 10, 'd')).toBe(k);
  });

  test.each([
    [kept(), /defence "my-filter" kept none of the 10 samples; a defence may not remove everything/],
    [kept(-1, 2), /defence "my-filter" kept indices: index -1 at position 0 is outside/],
    [kept(2, 10), /defence "my-filter" kept indices: index 10 at position 1 is outside the suspect set \[0, 10\)/],
    [kept(2, 2), /defence "my-filter" kept indices: .*strictly ascending, but 2 at position 1 follows 2/],
    [kept(5, 3), /defence "my-filter" kept indices: .*strictly ascending, but 3 at position 1 follows 5/],
  ])('refuses %o, naming the defence', (k, message) => {
    expect(() => checkKept(k, 10, 'my-filter')).toThrow(message);
  });
});

describe('filteredTrainingSet', () => {
  test('holds the kept samples, in order, named after the defence', () => {
    const set = filteredTrainingSet(train, kept(1, 3, 8), 'oracle-filter');
    expect(set.n).toBe(3);
    expect(Array.from(set.labels)).toEqual([train.labels[1], train.labels[3], train.labels[8]]);
    const pixels = train.height * train.width * train.channels;
    expect(Array.from(set.images.subarray(pixels, 2 * pixels))).toEqual(Array.from(train.images.subarray(3 * pixels, 4 * pixels)));
    expect(set.name).toBe('tiny|oracle-filter:3/10');
    expect(set.source).toBe(`${train.source} | oracle-filter kept 3 of 10`);
  });

  test('refuses an empty kept set', () => {
    expect(() => filteredTrainingSet(train, kept(), 'x')).toThrow(/defence "x" kept none/);
  });
});
