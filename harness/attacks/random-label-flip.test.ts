// Random label flipping: round(p·n) distinct ascending indices drawn uniformly, each given a label
// drawn uniformly from the other classes; seeded, so the same seed gives the same artifact; budgets
// outside 0 < p < 1 are refused.
import { describe, expect, test } from 'vitest';
import { syntheticDataset } from '../data/synthetic.js';
import type { ImageDataset } from '../data/types.js';
import { attacks, CLEAN, poisonCount, randomLabelFlip } from './index.js';
import type { PoisonArtifact } from './types.js';

const ctx = (seed: number) => ({ seed, backend: 'cpu' });
const data = (n: number, numClasses = 10, seed = 1): ImageDataset => syntheticDataset({ n, seed, height: 4, numClasses });

function craft(train: ImageDataset, budget: number, seed: number): PoisonArtifact {
  return randomLabelFlip.craft(train, budget, ctx(seed)) as PoisonArtifact;
}

describe('random label flipping: indices', () => {
  test.each([
    [200, 0.01, 2],
    [200, 0.125, 25],
    [200, 0.5, 100],
    [200, 0.99, 198],
    [7, 0.5, 4], // round(3.5)
    [1000, 0.0015, 2], // round(1.5)
    [1000, 0.0014, 1],
  ])('n = %i, p = %f poisons exactly %i samples: distinct, ascending, in range', (n, p, k) => {
    const train = data(n);
    expect(poisonCount(p, n)).toBe(k);
    for (const seed of [0, 1, 2]) {
      const a = craft(train, p, seed);
      expect(a.indices).toBeInstanceOf(Int32Array);
      expect(a.indices.length).toBe(k);
      expect(a.labels!.length).toBe(k);
      expect(new Set(a.indices).size).toBe(k);
      for (let i = 0; i < k; i++) {
        expect(a.indices[i]).toBeGreaterThanOrEqual(0);
        expect(a.indices[i]).toBeLessThan(n);
        if (i > 0) expect(a.indices[i]).toBeGreaterThan(a.indices[i - 1]!);
      }
    }
  });

  test('a budget whose round(p·n) is 0 still poisons one sample (documented minimum)', () => {
    const a = craft(data(20), 0.01, 3);
    expect(a.indices.length).toBe(1);
  });

  test('ascending numerically, not as text (indices ≥ 10 sort after 9)', () => {
    const a = craft(data(120), 0.5, 5);
    const sorted = [...a.indices].sort((x, y) => x - y);
    expect([...a.indices]).toEqual(sorted);
  });

  test('indices are uniform over the training set (chi-square over many seeds, loose)', () => {
    const n = 50;
    const p = 0.2; // 10 per draw
    const seeds = 400;
    const train = data(n);
    const counts = new Array<number>(n).fill(0);
    for (let seed = 0; seed < seeds; seed++) for (const i of craft(train, p, seed).indices) counts[i]!++;
    const expected = (seeds * poisonCount(p, n)) / n; // 80
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // Without replacement E[chi2] ≈ (n − 1)(1 − k/n) ≈ 39; 100 is far in the tail, and a stuck or
    // biased sampler (e.g. always the first k) gives thousands.
    expect(chi2).toBeLessThan(100);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });
});

describe('random label flipping: labels', () => {
  test('every new label differs from the original and is a valid class', () => {
    const train = data(300, 10);
    for (const seed of [0, 1, 2, 3]) {
      const a = craft(train, 0.5, seed);
      a.indices.forEach((index, k) => {
        const label = a.labels![k]!;
        expect(label).not.toBe(train.labels[index]);
        expect(label).toBeGreaterThanOrEqual(0);
        expect(label).toBeLessThan(train.numClasses);
      });
    }
  });

  test('new labels are uniform over the other classes (per original class, loose)', () => {
    const K = 4;
    const train = data(200, K);
    const counts = Array.from({ length: K }, () => new Array<number>(K).fill(0)); // [original][new]
    for (let seed = 0; seed < 60; seed++) {
      const a = craft(train, 0.5, seed);
      a.indices.forEach((index, k) => counts[train.labels[index]!]![a.labels![k]!]!++);
    }
    let chi2 = 0;
    for (let c = 0; c < K; c++) {
      expect(counts[c]![c]).toBe(0);
      const row = counts[c]!.filter((_, j) => j !== c);
      const expected = row.reduce((s, x) => s + x, 0) / (K - 1);
      for (const x of row) {
        expect(Math.abs(x - expected) / expected).toBeLessThan(0.15);
        chi2 += (x - expected) ** 2 / expected;
      }
    }
    // K·(K − 2) = 8 degrees of freedom; P(chi2 > 30) < 0.0003.
    expect(chi2).toBeLessThan(30);
  });

  test('with two classes every flip is to the other class', () => {
    const train = data(40, 2);
    const a = craft(train, 0.5, 9);
    a.indices.forEach((index, k) => expect(a.labels![k]).toBe(1 - train.labels[index]!));
  });

  test('a one-class dataset is refused, naming it', () => {
    const train = syntheticDataset({ n: 10, seed: 1, height: 4, numClasses: 1, name: 'mono' });
    expect(() => craft(train, 0.5, 1)).toThrow(/at least 2 classes, mono has 1/);
  });
});

describe('random label flipping: determinism', () => {
  const train = data(300);

  test('the same seed gives an identical artifact and hash', () => {
    const a = craft(train, 0.1, 42);
    const b = craft(train, 0.1, 42);
    expect(b.hash).toBe(a.hash);
    expect([...b.indices]).toEqual([...a.indices]);
    expect([...b.labels!]).toEqual([...a.labels!]);
    expect(b).toEqual(a);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a different seed gives a different poison', () => {
    const a = craft(train, 0.1, 42);
    const b = craft(train, 0.1, 43);
    expect(b.hash).not.toBe(a.hash);
    expect([...b.indices]).not.toEqual([...a.indices]);
  });

  test('the artifact records the attack, budget, parameters and dataset', () => {
    const a = craft(train, 0.1, 1);
    expect(a).toMatchObject({ format: 'naspoison.poison.v1', attack: 'random-label-flip', budget: 0.1, params: {} });
    expect(a.images).toBeUndefined();
  });
});

describe('random label flipping: budget', () => {
  const train = data(50);
  test.each([
    [0, 'budget 0 is invalid'],
    [1, 'budget 1 is invalid'],
    [1.5, 'budget 1.5 is invalid'],
    [-0.1, 'budget -0.1 is invalid'],
    [Number.NaN, 'budget NaN is invalid'],
    [Number.POSITIVE_INFINITY, 'budget Infinity is invalid'],
    ['0.5', 'budget "0.5" (string, not a number) is invalid'],
    [undefined, 'budget undefined (undefined, not a number) is invalid'],
  ])('budget %j is a RangeError naming the value and the rule', (budget, named) => {
    let error: unknown;
    try {
      craft(train, budget as number, 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    const message = (error as Error).message;
    expect(message).toContain('random-label-flip');
    expect(message).toContain(named);
    expect(message).toContain('0 < p < 1');
  });
});

describe('the attack registry', () => {
  test('random-label-flip is registered as a label attack; the control arm is not an attack', () => {
    expect(attacks.get('random-label-flip')).toBe(randomLabelFlip);
    expect(randomLabelFlip.kind).toBe('label');
    expect(attacks.has(CLEAN)).toBe(false);
  });
});
