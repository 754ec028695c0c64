// The one seeded random source: same seed → same stream; labelled children are independent and
// stable; draws have the distributions they claim.
import { describe, expect, test } from 'vitest';
import { Rng, deriveSeed } from './rng.js';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  test('same seed, same stream; another seed, another stream', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(new Rng(42), 100)).not.toEqual(draw(new Rng(43), 100));
  });

  test('children depend only on the parent seed and their labels, and do not advance the parent', () => {
    const parent = new Rng(7);
    const before = parent.child('poison', 3).nextUint32();
    parent.nextUint32();
    expect(parent.child('poison', 3).nextUint32()).toBe(before);
    expect(new Rng(deriveSeed(7, 'poison', 3)).nextUint32()).toBe(before);
    expect(parent.child('poison', 4).nextUint32()).not.toBe(before);
    expect(deriveSeed(7, 'ab', 'c')).not.toBe(deriveSeed(7, 'a', 'bc'));
  });

  test('uniform() is in [0, 1) with the right mean; int(n) is unbiased over n', () => {
    const rng = new Rng(1);
    const u = Array.from({ length: 20_000 }, () => rng.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((a, b) => a + b, 0) / u.length - 0.5)).toBeLessThan(0.01);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]!++;
    // Chi-square with 6 degrees of freedom; 22.5 is its 0.999 quantile.
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(22.5);
  });

  test('normal() has mean 0 and variance 1', () => {
    const rng = new Rng(2);
    const z = Array.from({ length: 40_000 }, () => rng.normal());
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  test('permutations and samples without replacement are valid; impossible requests are refused', () => {
    const rng = new Rng(3);
    const p = Array.from(rng.permutation(50)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const s = rng.sampleWithoutReplacement(100, 30);
    expect(new Set(s).size).toBe(30);
    expect(() => rng.sampleWithoutReplacement(5, 6)).toThrow(/cannot draw 6 of 5/);
    expect(() => rng.int(0)).toThrow(/positive integer/);
    expect(() => rng.pick([])).toThrow(/empty/);
  });
});
