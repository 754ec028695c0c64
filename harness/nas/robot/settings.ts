/**
 * RoBoT settings: the tier's `nas.robot` block. Its shape, every default and each field's source
 * are in settings.schema.json beside this file; {@link robotSettings} checks a block against it
 * (harness/plugins/settings.ts), fills the defaults, and checks the rules a schema cannot express.
 * The defaults are the study's settings ({@link ROBOT_PUBLISHED}) carried over to NAS-Bench-201.
 */
import { settingsSchema } from '../../plugins/settings.js';
import { relativeWidth, type SearchCostContext } from '../types.js';

/** The effective settings (see settings.schema.json for each field). */
export interface RobotSettings {
  searchSubset: number | null;
  validationFraction: number;
  poolSize: number;
  /** T: distinct cells trained in all. */
  queries: number;
  boSteps: number;
  randomSteps: number;
  ucbKappa: number;
  gpNoise: number;
  acquisitionSamples: number;
  acquisitionRestarts: number;
  metricBatchSize: number;
  channels: number;
  cellsPerStage: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  minLearningRate: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  gradientClipNorm: number;
  scorePanel: boolean;
}

/** A tier's `nas.robot` block: every field optional. */
export type RobotTierSettings = Partial<RobotSettings>;

/**
 * RoBoT as the study ran it: ztcoalson/RoBoT, `darts_space/get_metrics.py` (n_sample 100,
 * metric_batch_size 64) and `darts_space/search.py` (total_iters 25; `maximize(init_points=0,
 * n_iter=total_iters − 1, acq='ucb')`; brief training `train()`: SGD lr 0.1 cosine to 5e-3,
 * momentum 0.9, wd 3e-4, clip 5, 10 epochs, batch 576, 16 channels, 5 layers, train_portion 0.5),
 * with bayesian-optimization 1.2.0's defaults (κ 2.576, alpha 1e-6, n_warmup 10000, 10 L-BFGS-B
 * starts; one random point when init_points is 0).
 */
export const ROBOT_PUBLISHED = {
  validationFraction: 0.5,
  poolSize: 100,
  queries: 25,
  boSteps: 25,
  randomSteps: 1,
  ucbKappa: 2.576,
  gpNoise: 1e-6,
  acquisitionSamples: 10000,
  acquisitionRestarts: 10,
  metricBatchSize: 64,
  channels: 16,
  epochs: 10,
  batchSize: 576,
  learningRate: 0.1,
  minLearningRate: 0.005,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 3e-4,
  gradientClipNorm: 5,
  /** The study's brief-training network: DARTS, 5 layers (3 normal cells, 2 reduction cells). */
  layers: 5,
  /** The study's drop-path probability, ramped linearly over the brief training. */
  dropPath: 0.2,
} as const;

/** The compiled schema of a `nas.robot` block (settings.schema.json). */
export const ROBOT_SCHEMA = settingsSchema<RobotTierSettings>('robot', new URL('./settings.schema.json', import.meta.url));

/** The defaults: each field's `default` in settings.schema.json (the one place they are written). */
export const ROBOT_DEFAULTS: Readonly<RobotSettings> = Object.freeze(
  Object.fromEntries(Object.entries(ROBOT_SCHEMA.schema.properties as Record<string, { default: unknown }>).map(([key, field]) => [key, field.default])) as unknown as RobotSettings,
);

/**
 * Effective settings from a tier block (a missing block means all defaults): checked against
 * {@link ROBOT_SCHEMA}, defaults filled in, then the rules a schema cannot express.
 *
 * @throws SettingsError naming each mistake by its JSON path within the block, e.g.
 *   `robot: /poolSize must be >= 2`
 */
export function robotSettings(block: unknown): RobotSettings {
  const s: RobotSettings = { ...ROBOT_DEFAULTS, ...(block === undefined || block === null ? {} : ROBOT_SCHEMA.check(block)) };
  if (s.queries > s.poolSize) ROBOT_SCHEMA.fail('/queries', `(${s.queries}) exceeds /poolSize (${s.poolSize}); each query trains a different pool cell`);
  if (s.boSteps > s.queries) ROBOT_SCHEMA.fail('/boSteps', `(${s.boSteps}) exceeds /queries (${s.queries}); every BO step may train a new cell`);
  if (s.randomSteps > s.boSteps) ROBOT_SCHEMA.fail('/randomSteps', `(${s.randomSteps}) exceeds /boSteps (${s.boSteps})`);
  if (s.minLearningRate > s.learningRate) ROBOT_SCHEMA.fail('/minLearningRate', `(${s.minLearningRate}) exceeds /learningRate (${s.learningRate})`);
  return s;
}

/** Each way `s` departs from RoBoT as the study ran it (one sentence each), for the report. */
export function robotDeviations(s: RobotSettings): string[] {
  const p = ROBOT_PUBLISHED;
  const out: string[] = [
    'searches the NAS-Bench-201 cell space: the pool holds random NB201 cells (distinct up to isomorphism, none whose output ignores its input) scored on NB201 networks; the study ran RoBoT on the DARTS space with a pool of random DARTS genotypes',
    `queries are trained on NB201 networks of ${s.cellsPerStage} cell${s.cellsPerStage === 1 ? '' : 's'} per stage (${3 * s.cellsPerStage} cells and 2 reduction blocks) instead of the study's ${p.layers}-layer DARTS network, without drop-path (the study ramps it to ${p.dropPath}) and with the cosine learning rate stepped per batch rather than per epoch`,
    'the validation split is drawn at random, stratified by the (possibly poisoned) labels, rather than the second half of the training set in file order',
    "the GP's length scale is the best of an 81-value log grid over [0.01, 100] by marginal likelihood instead of L-BFGS-B with 5 restarts, and UCB's maximiser is polished by compass search instead of L-BFGS-B",
  ];
  if (s.searchSubset !== null) out.push(`searches on ${s.searchSubset} images of the (poisoned) training set instead of all of it`);
  const numeric: Array<[keyof typeof p & keyof RobotSettings, string]> = [
    ['validationFraction', 'validation fraction'],
    ['poolSize', 'pool size'],
    ['queries', 'queries (T)'],
    ['boSteps', 'BO steps'],
    ['randomSteps', 'random initial BO steps'],
    ['ucbKappa', 'UCB κ'],
    ['gpNoise', 'GP noise'],
    ['acquisitionSamples', 'UCB candidates per step'],
    ['acquisitionRestarts', 'UCB polish starts'],
    ['metricBatchSize', 'metric batch size'],
    ['channels', 'initial channels'],
    ['epochs', 'epochs of brief training'],
    ['batchSize', 'brief-training batch size'],
    ['learningRate', 'learning rate'],
    ['minLearningRate', 'final learning rate'],
    ['momentum', 'momentum'],
    ['nesterov', 'Nesterov momentum'],
    ['weightDecay', 'weight decay'],
    ['gradientClipNorm', 'gradient clip norm'],
  ];
  for (const [key, label] of numeric) if (s[key] !== p[key]) out.push(`${label} ${String(s[key])} instead of ${String(p[key])}`);
  return out;
}

/**
 * Passes over the metric batch that the six metrics take per cell, as images forward and backward
 * (a rough count: one for grad_norm, snip, fisher and synflow, about three for GraSP's
 * Hessian-gradient product, one per image's Jacobian for jacov counted as one batch pass more).
 */
const METRIC_PASSES_PER_CELL = 8;

/**
 * A search's cost hint (image-epochs of the evaluation network): T queries, each `epochs` over the
 * training part of the search set, plus the metric passes over the pool (and the panel when scored),
 * at the search network's width.
 */
export function robotSearchCost(s: RobotSettings, run: SearchCostContext): number {
  const images = Math.min(run.trainSize, s.searchSubset ?? run.trainSize);
  const cells = s.poolSize + (s.scorePanel ? run.panelSize : 0);
  const training = s.queries * s.epochs * images * (1 - s.validationFraction);
  return (training + cells * METRIC_PASSES_PER_CELL * s.metricBatchSize) * relativeWidth(run, s.channels, s.cellsPerStage);
}
