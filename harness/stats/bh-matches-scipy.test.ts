import { describe, expect, test } from 'vitest';
import { applyBenjaminiHochberg, benjaminiHochberg } from './bh.js';
import type { Comparison } from './types.js';
import { welchOneSided } from './welch.js';
import { loadReferences } from './test-utils.js';

// References: scipy.stats.false_discovery_control(p, method='bh'), from
// fixtures/scripts/make-stats-references.py (same as R's p.adjust(p, 'BH')).
const ref = loadReferences();

describe('Benjamini–Hochberg q-values', () => {
  test.each(ref.bh.map((c) => [c.name, c] as const))('match scipy: %s', (_name, c) => {
    const q = benjaminiHochberg(c.p);
    expect(q).toHaveLength(c.q.length);
    q.forEach((v, i) => expect(v, `q[${i}]`).toBeCloseTo(c.q[i] as number, 14));
  });

  test('are monotone in p, never below p, capped at 1, and equal for tied p', () => {
    const p = [0.2, 0.01, 0.7, 0.01, 0.04, 0.99, 0.5, 0.03];
    const q = benjaminiHochberg(p);
    const order = p.map((_, i) => i).sort((i, j) => (p[i] as number) - (p[j] as number));
    for (let k = 1; k < order.length; k++) {
      expect(q[order[k] as number] as number).toBeGreaterThanOrEqual(q[order[k - 1] as number] as number);
    }
    q.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(p[i] as number);
      expect(v).toBeLessThanOrEqual(1);
    });
    expect(q[1]).toBe(q[3]);
  });

  test('of an empty family is empty; invalid p-values are named', () => {
    expect(benjaminiHochberg([])).toEqual([]);
    expect(() => benjaminiHochberg([0.1, 1.5])).toThrow(/p-value 1 must be in \[0, 1\]/);
    expect(() => benjaminiHochberg([Number.NaN])).toThrow(/p-value 0/);
  });
});

describe('BH over a family of comparisons', () => {
  const family: Comparison[] = [
    welchOneSided([1, 2, 3], [4, 5, 6], 'less'),
    welchOneSided([1], [4, 5, 6], 'less'),
    welchOneSided([3.1, 2.9, 3.3], [3, 3.2, 2.8], 'less'),
    welchOneSided([0.5, 0.7, 0.6, 0.4], [0.9, 1.1, 1.0], 'less'),
  ];

  test('sets q on computed comparisons, adjusting over those only', () => {
    const adjusted = applyBenjaminiHochberg(family);
    const computedP = family.flatMap((c) => (c.state === 'computed' ? [c.p] : []));
    expect(computedP).toHaveLength(3);
    const expected = benjaminiHochberg(computedP);
    const qs = adjusted.flatMap((c) => (c.state === 'computed' ? [c.q] : []));
    expect(qs).toEqual(expected);
  });

  test('leaves insufficient-data comparisons out of the family and untouched', () => {
    const adjusted = applyBenjaminiHochberg(family);
    expect(adjusted[1]).toBe(family[1]);
    expect(adjusted[1]?.state).toBe('insufficient-data');
    expect(adjusted).toHaveLength(family.length);
  });

  test('does not mutate its input and keeps every other field', () => {
    const adjusted = applyBenjaminiHochberg(family);
    expect(family.some((c) => 'q' in c)).toBe(false);
    const { q: _q, ...rest } = adjusted[0] as Extract<Comparison, { state: 'computed' }>;
    expect(rest).toEqual(family[0]);
  });
});
