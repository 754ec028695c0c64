/**
 * RoBoT (He et al., ICLR 2024, "Robustifying and Boosting Training-Free Neural Architecture
 * Search") on NAS-Bench-201, as the study's fork (ztcoalson/RoBoT, darts_space/search.py) runs it:
 *
 * 1. a pool of random cells, each scored by six training-free metrics on one batch of the
 *    (possibly poisoned) training part; each metric min-max normalised over the pool;
 * 2. Bayesian optimisation (GP + UCB) of weights w ∈ [−1, 1]⁶ of a linear combination: each step
 *    takes the pool cell of highest combined score and "queries" it — brief training on the
 *    training part, accuracy on the validation part (both from the possibly poisoned search set) —
 *    a cell already queried reuses its result; the best weights are the latest ones whose cell
 *    reached the best accuracy (the study's `>=`);
 * 3. greedy queries down the best weights' ranking until T distinct cells have been queried;
 * 4. the queried cell of best validation accuracy is the answer (ties: the earliest queried).
 *
 * Every random choice comes from `seed`: the clean and poisoned arms of a trial draw the same
 * split, metric batch, pool, network weights and BO candidates, and differ only by the poison.
 */
import type { ImageDataset } from '../../data/types.js';
import { stratifiedSplit, takeIndices } from '../../data/split.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { canonicalGenotype } from '../../space/canonical.js';
import { genotypeToString, type Nb201Genotype } from '../../space/genotype.js';
import type { Diagnostics, SearchContext, SearchOutcome } from '../types.js';
import { robotLoop } from './loop.js';
import { ROBOT_METRICS, combinedScores, metricRanges, normalise, samplePool } from './pool.js';
import { queryCell } from './query.js';
import { disposeBatch, metricBatch, scoreCells, type RobotMetric } from './scoring.js';
import type { RobotSettings } from './settings.js';

/** What a search needs besides its context: the metrics and the query (replaceable in tests). */
export interface RobotDependencies {
  /** The six metrics, in {@link ROBOT_METRICS} order. */
  metrics: readonly RobotMetric[];
  /** Validation accuracy (percent) of a cell after brief training. */
  query: (genotype: Nb201Genotype, train: ImageDataset, validation: ImageDataset, settings: RobotSettings, seed: number) => Promise<number>;
}

/** Runs RoBoT on `context.train`. */
export async function robotSearchWith(context: SearchContext<RobotSettings>, deps: RobotDependencies): Promise<SearchOutcome> {
  const { train, settings: s, seed } = context;
  const log = context.log ?? (() => {});
  const names = deps.metrics.map((m) => m.name);
  if (names.join() !== ROBOT_METRICS.join()) throw new Error(`robot: the metrics must be ${ROBOT_METRICS.join(', ')} in that order, got ${names.join(', ')}`);
  const started = performance.now();
  const rng = new Rng(seed).child('robot');

  // The search set: a random subset of the (possibly poisoned) training set, split in two.
  const size = Math.min(train.n, s.searchSubset ?? train.n);
  const subset = size < train.n ? takeIndices(train, rng.child('subset').permutation(train.n).subarray(0, size)) : train;
  const split = stratifiedSplit(subset, s.validationFraction, rng.child('split'));

  // 1. The pool and its metric values, on one batch of the training part.
  const pool = samplePool(s.poolSize, rng.child('pool'));
  const batch = metricBatch(split.train, s.metricBatchSize, rng.child('metric-batch'));
  const metricSeed = deriveSeed(seed, 'robot', 'metrics');
  let raw: number[][];
  let panelRaw: number[][] | undefined;
  try {
    raw = await scoreCells(pool, batch, s, split.train.channels, metricSeed, deps.metrics, (i) => {
      if ((i + 1) % 10 === 0 || i + 1 === pool.length) log(`robot: metrics of ${i + 1}/${pool.length} pool cells`);
    });
    if (s.scorePanel && context.panel && context.panel.length > 0) {
      panelRaw = await scoreCells(context.panel, batch, s, split.train.channels, metricSeed, deps.metrics);
    }
  } finally {
    disposeBatch(batch);
  }
  const metricMs = performance.now() - started;
  const ranges = metricRanges(raw);
  const normalised = normalise(raw, ranges);

  // 2–4. Bayesian optimisation of the weights, greedy queries, the best queried cell.
  let diverged = 0;
  const query = async (cell: number): Promise<number> => {
    const g = pool[cell]!;
    try {
      // The query's seed depends on the cell alone, so a cell trains the same whichever step asks.
      return await deps.query(g, split.train, split.validation, s, deriveSeed(seed, 'robot', 'query', canonicalGenotype(g)));
    } catch (error) {
      if (!/^training diverged/.test((error as Error).message)) throw error;
      // A diverged network is worse than any trained one; the study's search would go on too.
      diverged++;
      log(`robot: query of ${genotypeToString(g)} diverged (${(error as Error).message}); scored 0%`);
      return 0;
    }
  };
  const { queries, best, weights, history } = await robotLoop(
    normalised,
    query,
    {
      queries: s.queries,
      steps: s.boSteps,
      randomSteps: s.randomSteps,
      kappa: s.ucbKappa,
      noise: s.gpNoise,
      acquisitionSamples: s.acquisitionSamples,
      acquisitionRestarts: s.acquisitionRestarts,
      rng: rng.child('bayesian-optimisation'),
    },
    (q, i) => log(`robot: query ${i + 1}/${s.queries} (${q.phase}) ${genotypeToString(pool[q.cell]!)} → ${q.accuracy.toFixed(1)}%`),
  );
  const boQueries = queries.filter((q) => q.phase === 'bo').length;
  const genotype = pool[best.cell]!;
  log(`robot: ${queries.length} queries (${boQueries} in ${history.length} BO steps) · best validation accuracy ${best.accuracy.toFixed(1)}% · ${genotypeToString(genotype)}`);

  const diagnostics: Diagnostics = {
    searchMs: Math.round(performance.now() - started),
    metricMs: Math.round(metricMs),
    poolSize: pool.length,
    queries: queries.length,
    boSteps: history.length,
    boQueries,
    divergedQueries: diverged,
    bestValidationAccuracy: best.accuracy,
    bestQuery: queries.indexOf(best) + 1,
    bestFromGreedy: best.phase === 'greedy',
    meanValidationAccuracy: queries.reduce((a, q) => a + q.accuracy, 0) / queries.length,
    gpLengthScale: history[history.length - 1]!.lengthScale,
    genotype: genotypeToString(genotype),
  };
  ROBOT_METRICS.forEach((name, j) => {
    diagnostics[`w_${name}`] = weights[j]!;
  });
  const outcome: SearchOutcome = { genotype, diagnostics };
  // The panel is normalised with the pool's ranges: its scores are on the pool's scale.
  if (panelRaw) return { ...outcome, panelScores: combinedScores(normalise(panelRaw, ranges), weights) };
  return outcome;
}
