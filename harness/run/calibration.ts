/**
 * Calibration of a tier: how much room there is above random sampling (headroom) and how noisy one
 * trial is (seed noise), measured with the tier's own evaluation protocol, and from them the power
 * of the shipped hypotheses at the tier's trial count. An assertion the trials cannot decide is
 * "underpowered at this tier", with the trials that would decide it; these numbers say which.
 *
 * What is trained (every evaluation through {@link evaluateGenotype} and the store's evaluation
 * cache, so it is shared with runs and a second calibration trains nothing):
 * (a) the R cells of the tier's random baseline with their own seeds ({@link baselineSamples}: the
 *     very evaluations a run's ΔImp subtracts);
 * (b) the first baseline cell under k seeds (seed noise: the spread of one architecture's accuracy
 *     from weights and batch order alone);
 * (c) two reference cells under the same k seeds: the best-known NB201 cell and the all-3×3 cell.
 * headroom = best reference mean − random mean (pp).
 *
 * The record is stored in the store's content cache (namespace `calibration.v1`), keyed by the
 * sha256 of the canonical JSON of everything that determines its numbers. The cache never
 * overwrites an entry, so "the latest calibration of (tier, dataset, backend)" is a query over the
 * entries' meta ({@link findCalibration}), not a mutable pointer.
 */
import { createHash } from 'node:crypto';
import { deriveSeed } from '../engine/rng.js';
import { baselineSamples } from '../nas/random-search.js';
import { genotypeFromString, genotypeToString, canonicalGenotype, type Nb201Genotype } from '../space/index.js';
import { DEFAULT_ALPHA, DEFAULT_POWER, assertSamples, powerOneSidedWelch, summarize, trialsNeeded, type TrialsNeeded } from '../stats/index.js';
import { MAX_TRIALS_NEEDED } from '../verdicts/index.js';
import type { TrialStore } from '../store/index.js';
import { evaluateGenotype, evaluationKey, type GenotypeEvaluation } from '../train/evaluate.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { PreparedRun } from './context.js';
import { evaluationCacheOf } from './evaluation-cache.js';
import type { ShippedMatrix } from './shipped-hypotheses.js';
import type { Tier } from './tiers.js';
import { runJobsInWorkers, type EvaluationJob } from './workers.js';

/** Store cache namespace of calibration records. */
export const CALIBRATION_NAMESPACE = 'calibration.v1';
/** Root of the seeds of (b) and (c): seed i is deriveSeed(CALIBRATION_SEED, 'seed', i), so k seeds are a prefix of k + 1. */
export const CALIBRATION_SEED = 20_240_511;
/** Default k. */
export const DEFAULT_CALIBRATION_SEEDS = 5;

/** The reference cells of (c). */
export const REFERENCE_CELLS: ReadonlyArray<{ name: string; genotype: string }> = [
  { name: 'best-known NB201 cell', genotype: '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|' },
  { name: 'all-3×3 cell', genotype: '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|' },
];

/** One cell trained under several seeds. */
export interface CalibratedCell {
  name: string;
  genotype: string;
  canonical: string;
  seeds: number[];
  /** Clean test accuracies, percent, in seed order. */
  accuracies: number[];
  mean: number;
  /** Sample sd (n − 1); 0 for one seed. */
  sd: number;
}

/** A tier's calibration. Accuracies in percent, differences in percentage points. */
export interface Calibration {
  version: 1;
  /** The record's content key in {@link CALIBRATION_NAMESPACE}. */
  key: string;
  tier: string;
  backend: string;
  datasetHash: string;
  /** The evaluation recipe's name. */
  recipe: string;
  network: { channels: number; cellsPerStage: number };
  /** (a) The tier's random baseline: R cells, each with its own seed. */
  random: { samples: number; genotypes: string[]; seeds: number[]; accuracies: number[]; mean: number; sd: number };
  /** (b) One cell (the first baseline cell) under k seeds. */
  seedNoise: CalibratedCell;
  /** (c) The reference cells under the same k seeds. */
  references: CalibratedCell[];
  /** Name of the reference with the highest mean. */
  bestReference: string;
  /** Best reference mean − random mean, pp. */
  headroom: number;
  /** Evaluations the calibration consists of (R + k · (1 + references)). */
  evaluations: number;
  /** How many of them were trained (not from the evaluation cache) when the record was made. */
  trained: number;
  createdAt: string;
  durationMs: number;
}

/** Progress of one evaluation that had to be trained. */
export interface CalibrationProgress {
  /** Trained so far (1-based, this one included) and how many need training. */
  done: number;
  total: number;
  /** "random cell 3", "seed noise seed 2", "best-known NB201 cell seed 1". */
  label: string;
  accuracy: number;
  elapsedMs: number;
  /** Remaining time at the mean pace so far. */
  etaMs: number;
}

export interface CalibrateOptions {
  /** k: seeds of the seed-noise and reference cells (default 5, at least 2). */
  seeds?: number;
  /** Called after each evaluation that was trained (not for cached ones). */
  onProgress?: (progress: CalibrationProgress) => void;
  /** Rebuild the record from the evaluation cache even when a stored record matches. */
  recompute?: boolean;
}

/** What {@link calibrateTier} returns. */
export interface CalibrationResult {
  calibration: Calibration;
  /** True when the whole record came from the store. */
  fromCache: boolean;
  /** Evaluations trained by this call (0 when everything was cached). */
  trained: number;
  /** Processes the training used (1: in this process). */
  workers: number;
}

/** Mean and sd (n − 1) of stats' `summarize`; sd 0 for a single value. */
function meanSd(values: readonly number[]): { mean: number; sd: number } {
  assertSamples(values, 'calibration');
  const { mean, sd } = summarize(values);
  return { mean, sd: sd ?? 0 };
}

/** The k seeds of (b) and (c). */
export function calibrationSeeds(k: number): number[] {
  return Array.from({ length: k }, (_, i) => deriveSeed(CALIBRATION_SEED, 'seed', i));
}

interface Planned {
  label: string;
  genotype: Nb201Genotype;
  seed: number;
}

/**
 * Calibrates the run's tier (see the module comment): trains what the evaluation cache lacks — in
 * worker processes when there are several evaluations to train and `run.workers` > 1, else in this
 * process — and stores the record. A stored record with the same inputs is returned as it is
 * (`fromCache`), unless `recompute`.
 */
export async function calibrateTier(run: PreparedRun, options: CalibrateOptions = {}): Promise<CalibrationResult> {
  const k = options.seeds ?? DEFAULT_CALIBRATION_SEEDS;
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`calibrateTier: seeds must be an integer ≥ 2, got ${k}`);
  const started = performance.now();
  const { tier, data, protocol, store } = run;
  const backend = run.backend.name;
  const baseline = baselineSamples(tier.randomBaseline.samples);
  const seeds = calibrationSeeds(k);
  const key = createHash('sha256')
    .update(
      canonicalJson({
        v: 1,
        tier: tier.name,
        data: tier.data,
        protocol,
        baseline: baseline.map((s) => ({ genotype: genotypeToString(s.genotype), seed: s.seed })),
        seeds,
        references: REFERENCE_CELLS.map((r) => r.genotype),
        datasetHash: run.datasetHash,
        backend,
      }),
    )
    .digest('hex');
  if (!options.recompute) {
    const stored = store.getCached(CALIBRATION_NAMESPACE, key);
    if (stored !== undefined) return { calibration: JSON.parse(stored) as Calibration, fromCache: true, trained: 0, workers: 1 };
  }

  const seedCell = baseline[0]!.genotype;
  const plan: Planned[] = [
    ...baseline.map((s, i) => ({ label: `random cell ${i + 1}`, genotype: s.genotype, seed: s.seed })),
    ...seeds.map((seed, i) => ({ label: `seed noise seed ${i + 1}`, genotype: seedCell, seed })),
    ...REFERENCE_CELLS.flatMap((r) => seeds.map((seed, i) => ({ label: `${r.name} seed ${i + 1}`, genotype: genotypeFromString(r.genotype), seed }))),
  ];
  const cache = evaluationCacheOf(store);
  const missing = plan.map((p, index) => ({ ...p, index })).filter((p) => cache.get(evaluationKey(p.genotype, data, protocol, p.seed, backend)) === undefined);
  // Distinct missing evaluations (two planned ones can share a key, e.g. a reference cell equal to the seed cell).
  const distinct = [...new Map(missing.map((m) => [evaluationKey(m.genotype, data, protocol, m.seed, backend), m])).values()];
  const total = distinct.length;
  let done = 0;
  const report = (label: string, accuracy: number) => {
    done++;
    const elapsedMs = performance.now() - started;
    options.onProgress?.({ done, total, label, accuracy, elapsedMs, etaMs: (elapsedMs / done) * (total - done) });
  };

  const workers = Math.min(run.workers, total);
  if (workers > 1) {
    const jobs: EvaluationJob[] = distinct.map((m) => ({ index: m.index, genotype: genotypeToString(m.genotype), seed: m.seed }));
    await runJobsInWorkers({ kind: 'evaluations', jobs }, run.config, workers, (message) => {
      if (message.type === 'evaluation-done') report(plan[message.index]!.label, message.accuracy);
      else if (message.type === 'log') run.log(message.message);
    });
  }
  // Everything is cached now when workers trained it; otherwise train here, in plan order.
  let trainedHere = 0;
  const evaluations: GenotypeEvaluation[] = [];
  for (const p of plan) {
    const e = await evaluateGenotype(p.genotype, data, protocol, { seed: p.seed, backend, cache });
    if (!e.cached) {
      trainedHere++;
      report(p.label, e.accuracy);
    }
    evaluations.push(e);
  }
  const trained = workers > 1 ? total + trainedHere : trainedHere;

  const R = baseline.length;
  const randomAccs = evaluations.slice(0, R).map((e) => e.accuracy);
  const cell = (name: string, genotype: Nb201Genotype, from: number): CalibratedCell => {
    const accuracies = evaluations.slice(from, from + k).map((e) => e.accuracy);
    return { name, genotype: genotypeToString(genotype), canonical: canonicalGenotype(genotype), seeds, accuracies, ...meanSd(accuracies) };
  };
  const seedNoise = cell('first random-baseline cell', seedCell, R);
  const references = REFERENCE_CELLS.map((r, i) => cell(r.name, genotypeFromString(r.genotype), R + k * (i + 1)));
  const best = references.reduce((a, b) => (b.mean > a.mean ? b : a));
  const random = { samples: R, genotypes: baseline.map((s) => genotypeToString(s.genotype)), seeds: baseline.map((s) => s.seed), accuracies: randomAccs, ...meanSd(randomAccs) };
  const calibration: Calibration = {
    version: 1,
    key,
    tier: tier.name,
    backend,
    datasetHash: run.datasetHash,
    recipe: protocol.recipe.name,
    network: { channels: protocol.network.channels, cellsPerStage: protocol.network.cellsPerStage },
    random,
    seedNoise,
    references,
    bestReference: best.name,
    headroom: best.mean - random.mean,
    evaluations: plan.length,
    trained,
    createdAt: new Date().toISOString(),
    durationMs: performance.now() - started,
  };
  store.putCached(CALIBRATION_NAMESPACE, key, JSON.stringify(calibration), { tier: tier.name, datasetHash: run.datasetHash, backend, seeds: k });
  // A record with this key may already be stored (recompute): the stored one stays, and is returned.
  const stored = JSON.parse(store.getCached(CALIBRATION_NAMESPACE, key)!) as Calibration;
  return { calibration: stored, fromCache: false, trained, workers: Math.max(1, workers) };
}

/**
 * The latest stored calibration of (tier, datasetHash, backend), whatever its k, or undefined.
 * "Latest" is the newest `createdAt` of the matching entries.
 */
export function findCalibration(store: TrialStore, where: { tier: string; datasetHash: string; backend: string }): Calibration | undefined {
  let latest: { createdAt: string; valueJson: string } | undefined;
  for (const entry of store.listCached(CALIBRATION_NAMESPACE)) {
    const meta = entry.meta;
    if (!meta || meta.tier !== where.tier || meta.datasetHash !== where.datasetHash || meta.backend !== where.backend) continue;
    if (latest === undefined || entry.createdAt > latest.createdAt) latest = entry;
  }
  return latest === undefined ? undefined : (JSON.parse(latest.valueJson) as Calibration);
}

/** Power figures of one drop size at one sd. */
export interface PowerFigure {
  /** Which sd: `seed` (seed noise: a method whose choice never varies) or `random` (as variable as random sampling). */
  sdKind: 'seed' | 'random';
  sd: number;
  /** Power of the one-sided Welch test at the tier's n per arm (noncentral t). */
  power: number;
  /** Trials per arm for {@link DEFAULT_POWER} power (smallest n with MDE ≤ drop), or null with a reason. */
  needed: TrialsNeeded;
}

/** Power of one hypothesis for one drop size. */
export interface PowerAtDrop {
  /** `margin` (the tier's δ) or `headroom`. */
  drop: 'margin' | 'headroom';
  /** Size of the drop, pp. */
  size: number;
  figures: PowerFigure[];
}

/** One hypothesis of a shipped spec file: a poisoned arm × metric against the control. */
export interface HypothesisPower {
  budget: number;
  /** `accuracy / ΔImp` (one hypothesis: ΔImp is accuracy minus a constant) or a tracked diagnostic. */
  metric: string;
  /** Null for metrics calibration does not measure (tracked diagnostics). */
  drops: PowerAtDrop[] | null;
  note?: string;
}

/** The power table of one spec file's matrix. */
export interface MatrixPower {
  file: string;
  nas: string | null;
  attack: string | null;
  budgets: number[];
  /** Trials per arm the figures are for: the matrix's own count, else the tier's. */
  n: number;
  complete: boolean;
  hypotheses: HypothesisPower[];
}

/** The power figures of the accuracy / ΔImp hypothesis (they depend on n, sd and the drop only). */
export function accuracyPower(calibration: Calibration, tier: Pick<Tier, 'trials' | 'margins'>, alpha: number = DEFAULT_ALPHA): PowerAtDrop[] {
  const n = tier.trials;
  const margin = tier.margins?.accuracy ?? tier.margins?.deltaImprovement;
  const drops: Array<{ drop: 'margin' | 'headroom'; size: number }> = [
    ...(margin !== undefined ? [{ drop: 'margin' as const, size: margin }] : []),
    { drop: 'headroom', size: calibration.headroom },
  ];
  const sds = [
    { sdKind: 'seed' as const, sd: calibration.seedNoise.sd },
    { sdKind: 'random' as const, sd: calibration.random.sd },
  ];
  return drops.map(({ drop, size }) => ({
    drop,
    size,
    figures: sds.map(({ sdKind, sd }) => ({
      sdKind,
      sd,
      power: n >= 2 ? powerOneSidedWelch(size, sd, sd, n, n, alpha) : NaN,
      needed: trialsNeeded(size, sd, alpha, DEFAULT_POWER, { max: MAX_TRIALS_NEEDED }),
    })),
  }));
}

/** The power of each shipped hypothesis at the tier's trial count (per-hypothesis α, before Benjamini–Hochberg). */
export function shippedHypothesesPower(calibration: Calibration, tier: Pick<Tier, 'trials' | 'margins'>, matrices: readonly ShippedMatrix[], alpha: number = DEFAULT_ALPHA): MatrixPower[] {
  return matrices.map((m) => {
    const n = m.trials ?? tier.trials;
    const accuracy = accuracyPower(calibration, { ...tier, trials: n }, alpha);
    return {
      file: m.file,
      nas: m.nas,
      attack: m.attack,
      budgets: m.budgets,
      n,
      complete: m.complete,
      hypotheses: m.budgets.flatMap((budget) => [
        { budget, metric: 'accuracy / ΔImp', drops: accuracy },
        ...m.track.map((metric) => ({ budget, metric, drops: null, note: 'not calibrated: calibration measures accuracy only' })),
      ]),
    };
  });
}
