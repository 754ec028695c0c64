/**
 * Random sampling: the baseline NAS is measured against. `randomSearch` draws one architecture
 * (a NAS "algorithm" that never looks at data); `randomBaseline` evaluates R draws with the tier's
 * recipe and gives the mean that ΔImp subtracts.
 */
import type { DatasetPair } from '../data/types.js';
import { Rng, deriveSeed } from '../engine/rng.js';
import { sampleNonDegenerateGenotype, type Nb201Genotype } from '../space/index.js';
import { evaluateGenotype, type EvaluateOptions, type EvaluationProtocol, type GenotypeEvaluation } from '../train/evaluate.js';
import type { NasAlgorithm } from './types.js';

export const randomSearch: NasAlgorithm<Record<string, never>> = {
  name: 'random',
  description: 'random sampling: one uniformly drawn non-degenerate NB201 cell (no data used)',
  family: 'baseline',
  settings: () => ({}),
  search: ({ seed }) => {
    const genotype = sampleNonDegenerateGenotype(new Rng(seed).child('random-search'));
    return { genotype, diagnostics: { searchMs: 0 } };
  },
};

export interface RandomBaseline {
  samples: number;
  /** Mean clean test accuracy, percent. */
  mean: number;
  sd: number;
  evaluations: GenotypeEvaluation[];
}

/** Seed of the baseline's draws and trainings: fixed per tier, independent of trials. */
export const RANDOM_BASELINE_SEED = 8_675_309;

/** The first `count` baseline draws: genotypes from one fixed sequence, each with its own seed. */
export function baselineSamples(count: number): Array<{ genotype: Nb201Genotype; seed: number }> {
  const rng = new Rng(RANDOM_BASELINE_SEED);
  return Array.from({ length: count }, (_, i) => ({ genotype: sampleNonDegenerateGenotype(rng), seed: deriveSeed(RANDOM_BASELINE_SEED, 'sample', i) }));
}

/**
 * Evaluates `samples` uniformly drawn non-degenerate cells (cached), each with its own seed.
 * Degenerate cells (output independent of the input) are excluded: no NAS method returns one and
 * they would only pull the baseline towards chance.
 */
export async function randomBaseline(
  samples: number,
  data: DatasetPair,
  protocol: EvaluationProtocol,
  options: Omit<EvaluateOptions, 'seed'> & { onSample?: (i: number, evaluation: GenotypeEvaluation) => void },
): Promise<RandomBaseline> {
  const { onSample, ...evaluateOptions } = options;
  const evaluations: GenotypeEvaluation[] = [];
  for (const [i, { genotype, seed }] of baselineSamples(samples).entries()) {
    const evaluation = await evaluateGenotype(genotype, data, protocol, { ...evaluateOptions, seed });
    onSample?.(i, evaluation);
    evaluations.push(evaluation);
  }
  const accs = evaluations.map((e) => e.accuracy);
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  const sd = accs.length > 1 ? Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1)) : 0;
  return { samples, mean, sd, evaluations };
}
