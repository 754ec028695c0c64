/**
 * Clean evaluation of an architecture: build the network of a genotype, train it with a recipe,
 * test it — cached by (canonical genotype, dataset content, recipe, network size, seed, backend).
 * The network trained is the canonical representative of the genotype's class, so a cached value
 * does not depend on which member of the class happened to be evaluated first.
 */
import { createHash } from 'node:crypto';
import { datasetContentHash, type DatasetPair } from '../data/types.js';
import { Rng, deriveSeed } from '../engine/rng.js';
import { canonicalGenotype, canonicalRepresentative, isDegenerate } from '../space/canonical.js';
import { genotypeToString, type Nb201Genotype } from '../space/genotype.js';
import type { MacroConfig } from '../space/macro.js';
import { buildNetwork } from '../space/network.js';
import { canonicalJson } from '../util/canonical-json.js';
import { checkTrainingStepFits, networkStepKey } from './memory-check.js';
import type { TrainingRecipe } from './recipe.js';
import { evaluateModel, trainModel, type EpochReport } from './trainer.js';

/** How architectures are evaluated: the recipe and the network size (NB201 skeleton). */
export interface EvaluationProtocol {
  recipe: TrainingRecipe;
  network: Pick<MacroConfig, 'channels' | 'cellsPerStage'>;
}

/** A cached or fresh evaluation. */
export interface GenotypeEvaluation {
  /** Clean test accuracy in percent. */
  accuracy: number;
  genotype: string;
  /** The genotype actually trained (the class representative). */
  trainedGenotype: string;
  canonical: string;
  finalLoss: number;
  trainMs: number;
  parameterCount: number;
  /** True when the value came from the cache. */
  cached: boolean;
}

/** A persistent key → JSON cache (the store's cache table implements it). */
export interface EvaluationCache {
  get(key: string): GenotypeEvaluation | undefined;
  put(key: string, value: GenotypeEvaluation): void;
}

export interface EvaluateOptions {
  seed: number;
  /** Backend name: results differ across backends, so it is part of the cache key. */
  backend: string;
  cache?: EvaluationCache;
  onEpoch?: (report: EpochReport) => void;
}

/** The cache key of an evaluation. */
export function evaluationKey(genotype: Nb201Genotype, data: DatasetPair, protocol: EvaluationProtocol, seed: number, backend: string): string {
  const material = canonicalJson({
    v: 1,
    canonical: canonicalGenotype(genotype),
    train: datasetContentHash(data.train),
    test: datasetContentHash(data.test),
    recipe: protocol.recipe,
    network: protocol.network,
    seed,
    backend,
  });
  return createHash('sha256').update(material).digest('hex');
}

/** Trains and tests `genotype` on `data` (or returns the cached result). */
export async function evaluateGenotype(
  genotype: Nb201Genotype,
  data: DatasetPair,
  protocol: EvaluationProtocol,
  options: EvaluateOptions,
): Promise<GenotypeEvaluation> {
  const key = evaluationKey(genotype, data, protocol, options.seed, options.backend);
  const name = genotypeToString(genotype);
  const hit = options.cache?.get(key);
  if (hit) return { ...hit, genotype: name, cached: true };

  const representative = canonicalRepresentative(genotype);
  const described = { genotype: name, trainedGenotype: genotypeToString(representative), canonical: canonicalGenotype(genotype), cached: false };
  let result: GenotypeEvaluation;
  if (isDegenerate(genotype)) {
    // The output does not depend on the input: the network can only learn the class prior.
    // Training it anyway is wasted work; chance level on a balanced test set is the honest value.
    result = {
      ...described,
      accuracy: (100 * majorityCount(data.test.labels, data.test.numClasses)) / data.test.n,
      finalLoss: Math.log(data.test.numClasses),
      trainMs: 0,
      parameterCount: 0,
    };
  } else {
    const network = buildNetwork(
      representative,
      { ...protocol.network, inputChannels: data.train.channels, numClasses: data.train.numClasses },
      new Rng(deriveSeed(options.seed, 'weights')),
    );
    try {
      checkTrainingStepFits(network, {
        key: networkStepKey(genotype, protocol.network.channels, protocol.network.cellsPerStage),
        what: `the clean evaluation of ${name} (C=${protocol.network.channels}, N=${protocol.network.cellsPerStage}, batch ${protocol.recipe.batchSize})`,
        batch: protocol.recipe.batchSize,
        data: data.train,
        channels: protocol.network.channels,
        cellsPerStage: protocol.network.cellsPerStage,
      });
      const trained = await trainModel(network, data.train, protocol.recipe, {
        seed: deriveSeed(options.seed, 'training'),
        ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
      });
      const tested = await evaluateModel(network, data.test, protocol.recipe.evalBatchSize);
      result = {
        ...described,
        accuracy: 100 * tested.accuracy,
        finalLoss: trained.finalLoss,
        trainMs: trained.trainMs,
        parameterCount: network.params.parameterCount(),
      };
    } finally {
      network.dispose();
    }
  }
  options.cache?.put(key, result);
  return result;
}

function majorityCount(labels: Int32Array, numClasses: number): number {
  const counts = new Int32Array(numClasses);
  for (const label of labels) counts[label]!++;
  return Math.max(...counts);
}
