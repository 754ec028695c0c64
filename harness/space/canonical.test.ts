import { describe, expect, test } from 'vitest';
import {
  DEGENERATE_KEY,
  canonicalGenotype,
  canonicalRepresentative,
  isDegenerate,
  nb201AuthorsKey,
} from './canonical.js';
import { genotypeFromIndex, genotypeFromString, genotypeToIndex, genotypeToString } from './genotype.js';
import { NB201_OPS } from './ops.js';

const key = (s: string): string => canonicalGenotype(genotypeFromString(s));
const authors = (s: string): string => nb201AuthorsKey(genotypeFromString(s));

describe('canonical key: isomorphic and equivalent cells collapse', () => {
  test('swapping intermediate nodes 1 and 2 gives the same key', () => {
    const a = '|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|';
    const b = '|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|';
    expect(key(a)).toBe(key(b));
    expect(key(a)).toBe('n0=c1(x);n1=c3(x);n2=c3(n0);out=n2+p(n1)');
    // The authors' rule misses this one: node 2's `none~1` leaves a `#` inside one conv's string.
    expect(authors(a)).not.toBe(authors(b));
    expect(key(a)).not.toBe(key('|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|'));
  });

  test('parallel convs are the same cell whichever nodes they pass through', () => {
    const viaNodes = '|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|skip_connect~1|skip_connect~2|';
    const direct = '|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|skip_connect~1|none~2|';
    expect(key(viaNodes)).toBe(key(direct));
  });

  test('a skip chain equals the direct edge', () => {
    expect(key('|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|')).toBe(
      key('|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|'),
    );
  });

  test('cells differing only in a dangling edge collapse (node 2 unused)', () => {
    const keys = new Set(NB201_OPS.map((op) => key(`|nor_conv_3x3~0|+|${op}~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|none~2|`)));
    expect(keys.size).toBe(1);
  });

  test('cells differing only in edges out of an unreachable node collapse (node 1 is zero)', () => {
    const keys = new Set<string>();
    for (const a of NB201_OPS) for (const b of NB201_OPS) keys.add(key(`|none~0|+|skip_connect~0|${a}~1|+|none~0|${b}~1|skip_connect~2|`));
    expect([...keys]).toEqual(['out=x']);
  });

  test('avg-pool linearity: pool(x + c(x)) = pool(x) + pool(c(x)), unless switched off', () => {
    const a = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|');
    const b = genotypeFromString('|nor_conv_3x3~0|+|none~0|none~1|+|avg_pool_3x3~0|avg_pool_3x3~1|none~2|');
    expect(canonicalGenotype(a)).toBe(canonicalGenotype(b));
    expect(canonicalGenotype(a, { avgPoolIsLinear: false })).not.toBe(canonicalGenotype(b, { avgPoolIsLinear: false }));
  });
});

describe('canonical key: different networks stay apart', () => {
  test('sums keep multiplicity: x + x is not x', () => {
    expect(key('|skip_connect~0|+|none~0|none~1|+|skip_connect~0|skip_connect~1|none~2|')).toBe('out=2*x');
    expect(key('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|')).toBe('out=x');
  });

  test('one conv used twice differs from two convs (the authors\' rule merges them)', () => {
    const shared = '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|skip_connect~1|skip_connect~2|';
    const twins = '|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|skip_connect~2|';
    expect(key(shared)).toBe('n0=c3(x);out=2*n0');
    expect(key(twins)).toBe('n0=c3(x);n1=c3(x);out=n0+n1');
    expect(authors(shared)).toBe(authors(twins));
  });

  test('keys are readable expressions', () => {
    expect(key('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|skip_connect~1|none~2|')).toBe('n0=c3(x);out=n0+x');
    expect(key('|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|avg_pool_3x3~2|')).toBe('n0=c3(x);n1=c1(n0);out=p(n1)');
  });
});

describe('degenerate cells', () => {
  test.each([
    '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|',
    '|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|',
    '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|',
    '|none~0|+|none~0|nor_conv_3x3~1|+|none~0|avg_pool_3x3~1|skip_connect~2|',
  ])('%s is degenerate and gets the degenerate key', (s) => {
    expect(isDegenerate(genotypeFromString(s))).toBe(true);
    expect(key(s)).toBe(DEGENERATE_KEY);
  });

  test.each([
    '|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|',
    '|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|avg_pool_3x3~2|',
    '|none~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|skip_connect~2|',
  ])('%s has a real path and is not degenerate', (s) => {
    expect(isDegenerate(genotypeFromString(s))).toBe(false);
    expect(key(s)).not.toBe(DEGENERATE_KEY);
  });
});

describe('canonical representative', () => {
  test('is the first cell of the class in index order, and a fixed point', () => {
    const g = genotypeFromString('|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|');
    const rep = canonicalRepresentative(g);
    expect(canonicalGenotype(rep)).toBe(canonicalGenotype(g));
    expect(genotypeToIndex(rep)).toBeLessThanOrEqual(genotypeToIndex(g));
    expect(canonicalRepresentative(rep)).toEqual(rep);
    expect(genotypeToString(canonicalRepresentative(genotypeFromIndex(15_624)))).toBe(genotypeToString(genotypeFromIndex(15_624)));
    expect(canonicalRepresentative(genotypeFromString('|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|'))).toEqual(genotypeFromIndex(0));
  });
});
