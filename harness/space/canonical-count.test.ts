/**
 * Counts of distinct NAS-Bench-201 cells over all 15,625 genotypes.
 *
 * Dong & Yang (ICLR 2020) report 6,466 unique cells; {@link nb201AuthorsKey} reproduces their rule
 * and count. naspoison's {@link canonicalGenotype} finds 5,044 classes: the authors' rule misses
 * three kinds of equivalence (zero terms kept in sums, skip sums sorted as one string, avg-pool
 * linearity; 6,466 → 4,660) and, because it unrolls the cell into a tree, lumps together 384 classes
 * of different networks that differ only in whether a conv is shared or duplicated (4,660 → 5,044).
 * The ablation below re-derives each of those numbers from the authors' rule with one fix at a time,
 * so the explanation in canonical.ts is checked, not just stated.
 */
import { describe, expect, test } from 'vitest';
import { DEGENERATE_KEY, canonicalGenotype, isDegenerate, nb201AuthorsKey } from './canonical.js';
import type { Nb201Genotype } from './genotype.js';
import { NB201_EDGES, NB201_NUM_GENOTYPES, type Nb201Op } from './ops.js';
import { enumerateGenotypes } from './sampling.js';

const ALL: readonly Nb201Genotype[] = [...enumerateGenotypes()];

const distinct = (keys: readonly string[]): number => new Set(keys).size;
/** Number of classes of the common refinement of two partitions given as key lists. */
const joint = (a: readonly string[], b: readonly string[]): number => new Set(a.map((k, i) => `${k}\u0000${b[i]}`)).size;

/**
 * The authors' expression-string rule with optional fixes; all fixes off is exactly their rule.
 * dropZero: drop `#` terms from sums (a node of only zeros is `#`); flatten: a skip adds its
 * source's terms to the sum instead of one joined string; poolLinear: pool(a+b) = pool(a)+pool(b).
 */
function treeKey(g: Nb201Genotype, fix: { dropZero: boolean; flatten: boolean; poolLinear: boolean }): string {
  const nodes: string[][] = [['0']];
  for (let to = 1; to <= 3; to++) {
    let terms: string[] = [];
    NB201_EDGES.forEach((e, i) => {
      if (e.to !== to) return;
      const op = g[i] as Nb201Op;
      const src = nodes[e.from] as string[];
      if (op === 'none' || src.join('+') === '#') terms.push('#');
      else if (op === 'skip_connect') terms.push(...(fix.flatten ? src : [src.join('+')]));
      else if (op === 'avg_pool_3x3' && fix.poolLinear) terms.push(...src.map((s) => `P(${s})`));
      else terms.push(`(${src.join('+')})@${op}`);
    });
    if (fix.dropZero) {
      terms = terms.filter((t) => t !== '#');
      if (terms.length === 0) terms = ['#'];
    }
    nodes.push(terms.sort());
  }
  return (nodes[3] as string[]).join('+');
}

describe('unique NAS-Bench-201 cells over all 15,625 genotypes', () => {
  const ours = ALL.map((g) => canonicalGenotype(g));
  const authors = ALL.map(nb201AuthorsKey);

  test('the enumeration covers the space once', () => {
    expect(ALL.length).toBe(NB201_NUM_GENOTYPES);
  });

  test('the authors\' rule gives the 6,466 unique cells of the NAS-Bench-201 paper', () => {
    expect(distinct(authors)).toBe(6466);
  });

  test('naspoison\'s canonical form gives 5,044 classes (5,260 without avg-pool linearity)', () => {
    expect(distinct(ours)).toBe(5044);
    expect(distinct(ALL.map((g) => canonicalGenotype(g, { avgPoolIsLinear: false })))).toBe(5260);
  });

  test('341 cells are degenerate, all with one key; the authors spread them over 5 keys', () => {
    // Independent check: the four input→output paths are edges [3], [0,4], [1,5], [0,2,5].
    const paths = [[3], [0, 4], [1, 5], [0, 2, 5]];
    const noPath = (g: Nb201Genotype): boolean => paths.every((p) => p.some((e) => g[e] === 'none'));
    const degenerate = ALL.filter(isDegenerate);
    expect(degenerate.length).toBe(341);
    expect(ALL.every((g) => isDegenerate(g) === noPath(g))).toBe(true);
    expect(ALL.every((g, i) => (ours[i] === DEGENERATE_KEY) === isDegenerate(g))).toBe(true);
    expect(distinct(degenerate.map(nb201AuthorsKey))).toBe(5);
  });

  test('ablation: where 6,466 and 5,044 differ', () => {
    const tree = (dropZero: boolean, flatten: boolean, poolLinear: boolean): string[] =>
      ALL.map((g) => treeKey(g, { dropZero, flatten, poolLinear }));
    const exact = tree(false, false, false);
    expect(exact).toEqual(authors); // the helper with no fix is the authors' rule
    expect(distinct(tree(true, false, false))).toBe(5390); // x + 0 = x, zero nodes recognised
    expect(distinct(tree(false, true, false))).toBe(5755); // sums as multisets
    const allFixesNoPool = tree(true, true, false);
    const allFixes = tree(true, true, true);
    expect(distinct(allFixesNoPool)).toBe(4930);
    expect(distinct(allFixes)).toBe(4660); // + pool linearity
    // Each fix only merges: the authors' partition refines the fixed one …
    expect(joint(authors, allFixes)).toBe(6466);
    // … and ours refines it too, splitting 384 of its classes by conv sharing (4,660 → 5,044).
    expect(joint(ours, allFixes)).toBe(5044);
    expect(joint(ALL.map((g) => canonicalGenotype(g, { avgPoolIsLinear: false })), allFixesNoPool)).toBe(5260);
  });
});
