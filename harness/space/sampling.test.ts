import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { isDegenerate } from './canonical.js';
import { genotypeToIndex, genotypeToString } from './genotype.js';
import { NB201_NUM_GENOTYPES, NB201_OPS } from './ops.js';
import { enumerateGenotypes, sampleGenotype, sampleNonDegenerateGenotype } from './sampling.js';

describe('sampling genotypes', () => {
  test('the same seed gives the same sequence, another seed a different one', () => {
    const draw = (seed: number): string[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => genotypeToString(sampleGenotype(rng)));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    const nd = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => genotypeToIndex(sampleNonDegenerateGenotype(rng)));
    };
    expect(nd(7)).toEqual(nd(7));
  });

  test('ops on every edge are roughly uniform, and so are indices', () => {
    const rng = new Rng(2024);
    const n = 20_000;
    const perEdge = Array.from({ length: 6 }, () => new Map<string, number>());
    const indexBins = new Array<number>(25).fill(0);
    for (let k = 0; k < n; k++) {
      const g = sampleGenotype(rng);
      g.forEach((op, e) => perEdge[e]!.set(op, (perEdge[e]!.get(op) ?? 0) + 1));
      indexBins[Math.floor(genotypeToIndex(g) / 625)]!++;
    }
    // Expected 4,000 per op and edge, sd ≈ 57: allow ±5 sd.
    for (const counts of perEdge) for (const op of NB201_OPS) expect(Math.abs((counts.get(op) ?? 0) - n / 5)).toBeLessThan(285);
    // Expected 800 per bin of 625 indices, sd ≈ 28: allow ±5 sd.
    for (const c of indexBins) expect(Math.abs(c - n / 25)).toBeLessThan(140);
  });

  test('non-degenerate sampling never returns a degenerate cell and still covers all ops', () => {
    const rng = new Rng(1);
    const seen = new Set<string>();
    for (let k = 0; k < 5_000; k++) {
      const g = sampleNonDegenerateGenotype(rng);
      expect(isDegenerate(g)).toBe(false);
      for (const op of g) seen.add(op);
    }
    expect(seen.size).toBe(5);
  });

  test('enumeration yields every genotype once, in index order', () => {
    let i = 0;
    for (const g of enumerateGenotypes()) {
      if (genotypeToIndex(g) !== i) throw new Error(`genotype ${genotypeToString(g)} at position ${i}`);
      i++;
    }
    expect(i).toBe(NB201_NUM_GENOTYPES);
  });
});
