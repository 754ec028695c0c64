import { describe, expect, test } from 'vitest';
import {
  GenotypeError,
  countOp,
  genotypeEdges,
  genotypeFromIndex,
  genotypeFromString,
  genotypeToIndex,
  genotypeToString,
  isGenotype,
  makeGenotype,
  opCounts,
} from './genotype.js';
import { NB201_EDGES, NB201_NUM_GENOTYPES, NB201_OPS, isNb201Op } from './ops.js';

const EXAMPLE = '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|none~1|nor_conv_3x3~2|';

describe('NAS-Bench-201 vocabulary', () => {
  test('has the five official ops and the six edges in official (to, from) order', () => {
    expect(NB201_OPS).toEqual(['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);
    expect(NB201_EDGES.map((e) => [e.to, e.from])).toEqual([[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]]);
    expect(isNb201Op('nor_conv_3x3')).toBe(true);
    expect(isNb201Op('sep_conv_3x3')).toBe(false);
  });
});

describe('genotype string form', () => {
  test('parses the official example into edge order', () => {
    const g = genotypeFromString(EXAMPLE);
    expect(g).toEqual(['nor_conv_3x3', 'none', 'skip_connect', 'skip_connect', 'none', 'nor_conv_3x3']);
    expect(genotypeToString(g)).toBe(EXAMPLE);
    expect(genotypeEdges(g)[5]).toEqual({ to: 3, from: 2, op: 'nor_conv_3x3', index: 5 });
  });

  test('string ↔ genotype ↔ index round-trip for all 15,625 cells, and the index is a bijection', () => {
    const strings = new Set<string>();
    for (let i = 0; i < NB201_NUM_GENOTYPES; i++) {
      const g = genotypeFromIndex(i);
      const s = genotypeToString(g);
      strings.add(s);
      const back = genotypeFromString(s);
      if (genotypeToIndex(back) !== i || genotypeToString(back) !== s) throw new Error(`round trip failed at ${i}: ${s}`);
    }
    expect(strings.size).toBe(NB201_NUM_GENOTYPES);
  });

  test('index order is base 5, edge 0 most significant, op order as NB201_OPS', () => {
    expect(genotypeFromIndex(0)).toEqual(Array(6).fill('none'));
    expect(genotypeFromIndex(15_624)).toEqual(Array(6).fill('avg_pool_3x3'));
    expect(genotypeFromIndex(1)).toEqual(['none', 'none', 'none', 'none', 'none', 'skip_connect']);
    expect(genotypeFromIndex(3125)).toEqual(['skip_connect', 'none', 'none', 'none', 'none', 'none']);
    expect(genotypeToIndex(genotypeFromString(EXAMPLE))).toBe(3 * 3125 + 1 * 125 + 1 * 25 + 3);
  });

  test('ignores surrounding whitespace', () => {
    expect(genotypeToString(genotypeFromString(`  ${EXAMPLE}\n`))).toBe(EXAMPLE);
  });

  test.each([
    ['unknown op', '|nor_conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|', /unknown operation "nor_conv_5x5" at node 1/],
    ['too few nodes', '|nor_conv_3x3~0|+|none~0|none~1|', /expected 3 node groups.*found 2/],
    ['too many nodes', '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|', /expected 3 node groups.*found 4/],
    ['wrong input count', '|none~0|+|none~0|+|none~0|none~1|none~2|', /node 2 must have 2 inputs, found 1/],
    ['wrong input index', '|none~0|+|none~0|none~2|+|none~0|none~1|none~2|', /input index "2", expected ~1/],
    ['inputs out of order', '|none~0|+|none~1|none~0|+|none~0|none~1|none~2|', /input index "1", expected ~0/],
    ['missing bars', 'none~0+|none~0|none~1|+|none~0|none~1|none~2|', /node 1 group "none~0" must start and end with '\|'/],
    ['malformed entry', '|none|+|none~0|none~1|+|none~0|none~1|none~2|', /entry "none" is not of the form op~input/],
    ['empty string', '', /expected 3 node groups/],
  ])('rejects %s with an error naming the string and the problem', (_name, text, problem) => {
    let error: unknown;
    try {
      genotypeFromString(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GenotypeError);
    expect((error as Error).message).toContain(JSON.stringify(text));
    expect((error as Error).message).toMatch(problem);
  });

  test('rejects bad indices and bad op arrays', () => {
    expect(() => genotypeFromIndex(15_625)).toThrow(/index 15625: expected an integer in 0..15624/);
    expect(() => genotypeFromIndex(-1)).toThrow(GenotypeError);
    expect(() => genotypeFromIndex(1.5)).toThrow(GenotypeError);
    expect(() => makeGenotype(['none'])).toThrow(/expected 6 operations, got 1/);
    expect(() => makeGenotype(['none', 'none', 'none', 'none', 'none', 'conv'])).toThrow(/unknown operation "conv" on edge 5/);
    expect(isGenotype(['none', 'none', 'none', 'none', 'none', 'none'])).toBe(true);
    expect(isGenotype(['none'])).toBe(false);
  });
});

describe('op counts', () => {
  test('count each op on the example cell', () => {
    const g = genotypeFromString(EXAMPLE);
    expect(countOp(g, 'skip_connect')).toBe(2);
    expect(countOp(g, 'avg_pool_3x3')).toBe(0);
    expect(opCounts(g)).toEqual({ none: 2, skip_connect: 2, nor_conv_1x1: 0, nor_conv_3x3: 2, avg_pool_3x3: 0 });
  });

  test('each op appears 6 × 5⁵ times over the whole space', () => {
    const totals = new Map<string, number>();
    for (let i = 0; i < NB201_NUM_GENOTYPES; i++) {
      for (const [op, n] of Object.entries(opCounts(genotypeFromIndex(i)))) totals.set(op, (totals.get(op) ?? 0) + n);
    }
    for (const op of NB201_OPS) expect(totals.get(op)).toBe(6 * 3125);
  });
});
