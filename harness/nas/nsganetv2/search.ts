/**
 * NSGANetV2 (Lu et al. 2020) on the NB201 cell space, as the study ran it (ztcoalson/nsganetv2,
 * msunas.py) with the NB201 substitutions of deviations():
 *
 * 1. The search set (a seeded subset of the possibly poisoned training set) is split, stratified by
 *    its possibly poisoned labels, into a training and a validation split.
 * 2. A weight-sharing supernet is trained on the training split by uniform single-path sampling.
 * 3. `initialArchs` random non-degenerate cells are evaluated: each inherits the supernet weights,
 *    has its BN statistics reset, is fine-tuned briefly on the training split and validated on the
 *    validation split (error %); its FLOPs are counted at the search network's size.
 * 4. Each iteration fits the accuracy surrogate to the archive (adaptive switching among RBF, GP and
 *    CART by cross-validated Kendall τ), runs NSGA-II on (predicted error, FLOPs) from the archive's
 *    front, picks `archsPerIteration` new cells from its final population spread along FLOPs,
 *    evaluates them and adds them to the archive.
 * 5. The returned cell is taken from the archive's final (error, FLOPs) front: by default the most
 *    accurate (lowest validation error; ties: fewer FLOPs) — the cell post_search.py always keeps,
 *    and the one that answers the study's accuracy question; `select: 'knee'` returns the
 *    highest-trade-off point instead.
 *
 * Cells are compared by their active ops (edges off every input→output path removed), so two
 * spellings of one network are evaluated once. Every random choice comes from `seed`.
 */
import type { ImageDataset } from '../../data/types.js';
import { stratifiedSplit, takeIndices } from '../../data/split.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { isDegenerate } from '../../space/canonical.js';
import { activeGenotype, networkFlops, type FlopsConfig } from '../../space/flops.js';
import { countOp, genotypeToString, makeGenotype, type Nb201Genotype } from '../../space/genotype.js';
import { NB201_OPS } from '../../space/ops.js';
import { sampleNonDegenerateGenotype } from '../../space/sampling.js';
import { buildSinglePathSupernet } from '../../space/single-path-supernet.js';
import { kendallTauB } from '../../stats/kendall.js';
import type { Diagnostics, SearchContext, SearchOutcome } from '../types.js';
import { evaluateCandidate, type CandidateData } from './evaluate-candidate.js';
import { nsga2, type Genome } from './nsga2.js';
import { kneePoint, paretoFront, selectSpread } from './select.js';
import type { Nsganetv2Settings } from './settings.js';
import { adaptiveSwitching, SURROGATE_MODELS, type Surrogate, type SwitchingResult } from './surrogate.js';
import { trainSupernet } from './supernet-training.js';

/** The ops the encoding marks per edge: `none` is the all-zero reference level. */
const ENCODED_OPS = NB201_OPS.filter((op) => op !== 'none');

/**
 * The surrogate's input for a cell: for each edge of its {@link activeGenotype}, one indicator per
 * op other than `none` (24 numbers). Ops are categories, so they are one-hot coded rather than
 * given as ordinal op indices.
 */
export function encodeGenotype(g: Nb201Genotype): number[] {
  return activeGenotype(g).flatMap((op) => ENCODED_OPS.map((o) => (o === op ? 1 : 0)));
}

/** A genome of NSGA-II: the op index (in NB201_OPS order) of each edge. */
export function genotypeToGenome(g: Nb201Genotype): number[] {
  return g.map((op) => NB201_OPS.indexOf(op));
}

export function genomeToGenotype(genome: Genome): Nb201Genotype {
  return makeGenotype(genome.map((i) => NB201_OPS[i]!));
}

/** One evaluated cell. */
export interface ArchiveEntry {
  genotype: Nb201Genotype;
  /** Validation error (%) after inheritance and fine-tuning. */
  error: number;
  /** Millions of multiply–accumulates of the network at the search size. */
  mflops: number;
  /** 0 for the initial sample, else the iteration that proposed it. */
  iteration: number;
}

/** Error a degenerate cell is given on the surrogate's search (it cannot be better than chance). */
const DEGENERATE_ERROR = 100;

/** Runs NSGANetV2 on `context.train`. */
export async function nsganetv2Search(context: SearchContext<Nsganetv2Settings>): Promise<SearchOutcome> {
  const { train, settings: s, seed } = context;
  const log = context.log;
  const started = performance.now();
  const rng = new Rng(seed).child('nsganetv2');

  // 1. Search data.
  const size = Math.min(train.n, s.searchSubset ?? train.n);
  const subset: ImageDataset = size < train.n ? takeIndices(train, rng.child('subset').permutation(train.n).subarray(0, size)) : train;
  const split = stratifiedSplit(subset, s.validationFraction, rng.child('split'));
  const data: CandidateData = { train: split.train, validation: split.validation };
  const flopsConfig: FlopsConfig = { channels: s.channels, cellsPerStage: s.cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses, height: train.height, width: train.width };
  const mflops = (g: Nb201Genotype) => networkFlops(g, flopsConfig) / 1e6;

  // 2. Supernet.
  const supernet = buildSinglePathSupernet(
    { channels: s.channels, cellsPerStage: s.cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses },
    new Rng(deriveSeed(seed, 'nsganetv2-supernet-weights')),
  );
  try {
    const supernetStarted = performance.now();
    const supernetLoss = await trainSupernet(
      supernet,
      data.train,
      { epochs: s.supernetEpochs, batchSize: s.supernetBatchSize, learningRate: s.supernetLearningRate },
      deriveSeed(seed, 'nsganetv2-supernet-training'),
      log,
    );
    const supernetMs = performance.now() - supernetStarted;

    // 3. Archive of evaluated cells, keyed by their active ops.
    const archive: ArchiveEntry[] = [];
    const seen = new Set<string>();
    const keyOf = (g: Nb201Genotype) => genotypeToString(activeGenotype(g));
    let evaluationMs = 0;
    const evaluate = async (genotypes: readonly Nb201Genotype[], iteration: number): Promise<ArchiveEntry[]> => {
      const t0 = performance.now();
      const entries: ArchiveEntry[] = [];
      for (const g of genotypes) {
        const error = await evaluateCandidate(supernet, g, data, s, deriveSeed(seed, 'nsganetv2-candidate', archive.length + entries.length));
        entries.push({ genotype: g, error, mflops: mflops(g), iteration });
      }
      evaluationMs += performance.now() - t0;
      archive.push(...entries);
      return entries;
    };
    const sampleRng = rng.child('sample');
    const drawNew = (count: number): Nb201Genotype[] => {
      const drawn: Nb201Genotype[] = [];
      for (let tries = 0; drawn.length < count && tries < 10_000 * count; tries++) {
        const g = sampleNonDegenerateGenotype(sampleRng);
        if (seen.has(keyOf(g))) continue;
        seen.add(keyOf(g));
        drawn.push(g);
      }
      return drawn;
    };
    await evaluate(drawNew(s.initialArchs), 0);
    log?.(`nsganetv2: ${archive.length} initial cells evaluated · best validation error ${Math.min(...archive.map((a) => a.error)).toFixed(1)}%`);

    // 4. Surrogate iterations.
    const models = s.surrogate === 'adaptive' ? SURROGATE_MODELS : [s.surrogate];
    const fit = (iteration: number): SwitchingResult =>
      adaptiveSwitching(
        archive.map((a) => encodeGenotype(a.genotype)),
        archive.map((a) => a.error),
        s.cvFolds,
        { cartTrees: s.cartTrees, rng: rng.child('surrogate', iteration) },
        models,
      );
    const predicted: number[] = [];
    const measured: number[] = [];
    let last: SwitchingResult | undefined;
    for (let it = 1; it <= s.iterations; it++) {
      last = fit(it);
      const surrogate: Surrogate = last.surrogate;
      const points = archive.map((a) => [a.error, a.mflops] as [number, number]);
      const front = paretoFront(points);
      const result = nsga2({
        initial: front.map((i) => genotypeToGenome(archive[i]!.genotype)),
        evaluate: (genomes) => {
          const cells = genomes.map(genomeToGenotype);
          const errors = surrogate.predict(cells.map(encodeGenotype));
          return cells.map((g, i) => [isDegenerate(g) ? DEGENERATE_ERROR : errors[i]!, mflops(g)]);
        },
        upper: NB201_OPS.length - 1,
        populationSize: s.nsgaPopulation,
        generations: s.nsgaGenerations,
        crossoverProbability: s.crossoverProbability,
        mutationEta: s.mutationEta,
        rng: rng.child('nsga2', it),
      });
      // New, non-degenerate networks of the final population, then a spread along FLOPs.
      const pool: Array<{ genotype: Nb201Genotype; error: number; mflops: number }> = [];
      const poolKeys = new Set<string>();
      result.population.forEach((genome, i) => {
        const g = genomeToGenotype(genome);
        const k = keyOf(g);
        if (isDegenerate(g) || seen.has(k) || poolKeys.has(k)) return;
        poolKeys.add(k);
        pool.push({ genotype: g, error: result.objectives[i]![0]!, mflops: result.objectives[i]![1]! });
      });
      const picks = selectSpread(
        pool.map((p) => p.mflops),
        front.map((i) => archive[i]!.mflops),
        s.archsPerIteration,
      ).map((i) => pool[i]!);
      for (const p of picks) seen.add(keyOf(p.genotype));
      // Too few new cells on the surrogate's front (a small space or population): fill with random ones.
      const extra = drawNew(s.archsPerIteration - picks.length);
      const candidates = [...picks.map((p) => p.genotype), ...extra];
      const entries = await evaluate(candidates, it);
      const newPredictions = surrogate.predict(entries.map((e) => encodeGenotype(e.genotype)));
      predicted.push(...newPredictions);
      measured.push(...entries.map((e) => e.error));
      log?.(
        `nsganetv2 iteration ${it}/${s.iterations}: surrogate ${surrogate.model} (CV τ ${fmt(last.meanTau[surrogate.model])}) · ${entries.length} new cells, best error ${Math.min(...entries.map((e) => e.error)).toFixed(1)}% · archive ${archive.length}`,
      );
    }

    // 5. The final front and the returned cell.
    const points = archive.map((a) => [a.error, a.mflops] as [number, number]);
    const front = paretoFront(points);
    const chosen = s.select === 'knee' ? kneePoint(points, front) : front[0]!;
    const best = archive[chosen]!;
    // The network evaluated: the cell without the ops that cannot reach its output.
    const genotype = activeGenotype(best.genotype);

    // The final surrogate scores the harness's panel (higher = preferred: predicted accuracy).
    const final = fit(s.iterations + 1);
    const panelScores = context.panel?.map((g) => 100 - final.surrogate.predict([encodeGenotype(g)])[0]!);
    const proposalTau = predicted.length >= 2 ? kendallTauB(predicted, measured) : NaN;
    log?.(`nsganetv2: ${archive.length} cells evaluated · front of ${front.length} · chose ${genotypeToString(best.genotype)} (validation error ${best.error.toFixed(1)}%, ${best.mflops.toFixed(2)} MFLOPs)`);

    const diagnostics: Diagnostics = {
      searchMs: Math.round(performance.now() - started),
      supernetMs: Math.round(supernetMs),
      candidateEvaluationMs: Math.round(evaluationMs),
      supernetFinalLoss: Number(supernetLoss.toFixed(4)),
      evaluatedArchs: archive.length,
      frontSize: front.length,
      surrogate: final.surrogate.model,
      surrogateCvTau: finite(final.meanTau[final.surrogate.model]),
      surrogateCvTaus: JSON.stringify(Object.fromEntries(SURROGATE_MODELS.map((m) => [m, finite(final.meanTau[m])]))),
      surrogateFolds: final.folds,
      proposalKendallTau: finite(proposalTau),
      selectedBy: s.select,
      selectedValidationError: Number(best.error.toFixed(3)),
      selectedMflops: Number(best.mflops.toFixed(4)),
      selectedIteration: best.iteration,
      bestValidationError: Number(Math.min(...archive.map((a) => a.error)).toFixed(3)),
      skipConnections: countOp(genotype, 'skip_connect'),
      convOps: countOp(genotype, 'nor_conv_3x3') + countOp(genotype, 'nor_conv_1x1'),
      front: JSON.stringify(front.map((i) => ({ genotype: genotypeToString(archive[i]!.genotype), error: Number(archive[i]!.error.toFixed(2)), mflops: Number(archive[i]!.mflops.toFixed(4)) }))),
      genotype: genotypeToString(genotype),
    };
    return { genotype, diagnostics, ...(panelScores ? { panelScores } : {}) };
  } finally {
    supernet.dispose();
  }
}

function finite(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? Number(x.toFixed(4)) : null;
}

function fmt(x: number | undefined): string {
  return x !== undefined && Number.isFinite(x) ? x.toFixed(3) : 'n/a';
}
