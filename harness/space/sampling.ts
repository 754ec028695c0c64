/**
 * Drawing and listing NAS-Bench-201 genotypes. All randomness comes from the caller's {@link Rng}.
 */
import type { Rng } from '../engine/rng.js';
import { canonicalGenotype, isDegenerate } from './canonical.js';
import { genotypeFromIndex, type Nb201Genotype } from './genotype.js';
import { NB201_NUM_GENOTYPES } from './ops.js';

/** A genotype drawn uniformly from all 15,625 (one `rng.int` draw). */
export function sampleGenotype(rng: Rng): Nb201Genotype {
  return genotypeFromIndex(rng.int(NB201_NUM_GENOTYPES));
}

/**
 * A genotype drawn uniformly from the 15,284 whose output depends on the input
 * (rejection sampling; about 1.02 draws on average).
 */
export function sampleNonDegenerateGenotype(rng: Rng): Nb201Genotype {
  for (;;) {
    const g = sampleGenotype(rng);
    if (!isDegenerate(g)) return g;
  }
}

/**
 * `n` non-degenerate genotypes drawn in turn from `rng`, pairwise non-isomorphic (a duplicate would
 * count one architecture twice: in a pool, a panel or a CI over cells). Throws after 100·n draws
 * (there are 5,043 non-degenerate classes, so only an `n` near that can get there).
 */
export function sampleDistinctGenotypes(n: number, rng: Rng): Nb201Genotype[] {
  const seen = new Set<string>();
  const out: Nb201Genotype[] = [];
  for (let draws = 0; out.length < n; draws++) {
    if (draws >= 100 * n) throw new Error(`found only ${out.length} distinct NB201 cells in ${draws} draws, ${n} wanted`);
    const g = sampleNonDegenerateGenotype(rng);
    const key = canonicalGenotype(g);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(g);
  }
  return out;
}

/** Every genotype once, in index order 0..15,624 (see `genotypeToIndex`). */
export function* enumerateGenotypes(): Generator<Nb201Genotype, void, undefined> {
  for (let i = 0; i < NB201_NUM_GENOTYPES; i++) yield genotypeFromIndex(i);
}
