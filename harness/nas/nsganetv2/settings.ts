/**
 * NSGANetV2 settings: the tier's `nas.nsganetv2` block. Its schema is this folder's
 * `settings.schema.json`; every field is optional and {@link nsganetv2Settings} fills the defaults
 * below — the published settings (ztcoalson/nsganetv2: msunas.py, run_search.sh, evaluator.py)
 * wherever there are any, our choices (marked) where there are none.
 */
import { settingsSchema } from '../../plugins/settings.js';
import { relativeWidth, type SearchCostContext } from '../types.js';
import type { SurrogateModel } from './surrogate.js';

export interface Nsganetv2TierSettings {
  /** Images of the (possibly poisoned) training set the search uses, drawn at random (null: all). */
  searchSubset?: number | null;
  /** Fraction held out (stratified by the possibly poisoned labels) to validate candidates. */
  validationFraction?: number;
  /** Channels C of the supernet and the candidates. */
  channels?: number;
  /** Cells per stage N of the supernet and the candidates. */
  cellsPerStage?: number;
  /** Epochs of uniform single-path supernet training (not published: the study inherited OFA's ImageNet supernet). */
  supernetEpochs?: number;
  supernetBatchSize?: number;
  /** Initial SGD learning rate of the supernet (cosine to 0, Nesterov 0.9, weight decay 5e-4, clip 5). */
  supernetLearningRate?: number;
  /** Architectures evaluated before the first surrogate (n_doe). */
  initialArchs?: number;
  /** Surrogate iterations. */
  iterations?: number;
  /** Architectures evaluated per iteration (n_iter). */
  archsPerIteration?: number;
  /** Fine-tuning epochs per candidate; below 1, one pass over that fraction of the training split. */
  fineTuneEpochs?: number;
  fineTuneBatchSize?: number;
  fineTuneLearningRate?: number;
  fineTuneWeightDecay?: number;
  /** Images whose statistics replace the inherited BN running statistics before fine-tuning (0: keep). */
  bnCalibrationImages?: number;
  /** Adaptive switching among the models, or one model. */
  surrogate?: 'adaptive' | SurrogateModel;
  cvFolds?: number;
  cartTrees?: number;
  nsgaPopulation?: number;
  nsgaGenerations?: number;
  crossoverProbability?: number;
  mutationEta?: number;
  /** Which cell of the final front is returned. */
  select?: 'most-accurate' | 'knee';
}

/** The effective settings: every field filled in. */
export type Nsganetv2Settings = { [K in keyof Nsganetv2TierSettings]-?: Exclude<Nsganetv2TierSettings[K], undefined> };

/**
 * Defaults: the published values (msunas.py / run_search.sh / evaluator.py / OFA's CIFAR run
 * config) and, where nothing is published, ours: the supernet recipe (the study inherited an
 * ImageNet-trained OFA supernet) and the network size (NB201's C=16, N=5).
 */
export const NSGANETV2_DEFAULTS: Nsganetv2Settings = {
  searchSubset: null,
  validationFraction: 0.1,
  channels: 16,
  cellsPerStage: 5,
  supernetEpochs: 100,
  supernetBatchSize: 64,
  supernetLearningRate: 0.05,
  initialArchs: 100,
  iterations: 30,
  archsPerIteration: 8,
  fineTuneEpochs: 5,
  fineTuneBatchSize: 128,
  fineTuneLearningRate: 0.01,
  fineTuneWeightDecay: 4e-5,
  bnCalibrationImages: 2000,
  surrogate: 'adaptive',
  cvFolds: 10,
  cartTrees: 5000,
  nsgaPopulation: 40,
  nsgaGenerations: 20,
  crossoverProbability: 0.9,
  mutationEta: 1,
  select: 'most-accurate',
};

/** The compiled schema of a `nas.nsganetv2` block. */
export const NSGANETV2_SCHEMA = settingsSchema<Nsganetv2TierSettings>('nsganetv2', new URL('./settings.schema.json', import.meta.url));

/**
 * Effective settings from a tier block (a missing block means all defaults): checked against
 * {@link NSGANETV2_SCHEMA}, defaults filled in, then the rules a schema cannot express.
 *
 * @throws SettingsError naming each mistake by its JSON path within the block, e.g.
 *   `nsganetv2: /initialArchs must be >= 4`
 */
export function nsganetv2Settings(block: unknown): Nsganetv2Settings {
  const s: Nsganetv2Settings = block === undefined || block === null ? { ...NSGANETV2_DEFAULTS } : { ...NSGANETV2_DEFAULTS, ...NSGANETV2_SCHEMA.check(block) };
  if (s.fineTuneEpochs > 1 && !Number.isInteger(s.fineTuneEpochs)) {
    NSGANETV2_SCHEMA.fail('/fineTuneEpochs', `must be a whole number of epochs, or a fraction of one below 1 (got ${s.fineTuneEpochs})`);
  }
  if (s.archsPerIteration > s.nsgaPopulation) {
    NSGANETV2_SCHEMA.fail('/archsPerIteration', `(${s.archsPerIteration}) exceeds nsgaPopulation (${s.nsgaPopulation}): the new candidates are picked from that population`);
  }
  return s;
}

/** The reference values each setting departs from, with the sentence saying so. */
export function nsganetv2Deviations(s: Nsganetv2Settings): string[] {
  const d: string[] = [
    'Search space NAS-Bench-201 cells instead of the study\'s OFA MobileNetV3 space (kernel, expansion, depth, resolution).',
    `The supernet is trained on the (possibly poisoned) search data by uniform single-path sampling for ${s.supernetEpochs} epochs (SGD ${s.supernetLearningRate} cosine, batch ${s.supernetBatchSize}: our choice, nothing published) instead of inheriting OFA's ImageNet-trained supernet, so the classifier is inherited rather than reset before fine-tuning.`,
    'The new candidates of an iteration are picked from the surrogate NSGA-II\'s final population greedily (each pick minimising the spread of FLOPs gaps along the archive\'s front) instead of by the reference\'s genetic subset selection.',
  ];
  if (s.surrogate === 'adaptive' || s.surrogate === 'gp') {
    d.push('The GP\'s correlation parameter θ is chosen by maximum likelihood on a 15-point log grid over [1e-5, 100] (half-decade steps) instead of pydacefit\'s Hooke–Jeeves search.');
  }
  if (s.surrogate !== 'rbf') {
    d.push(`Surrogate ${s.surrogate === 'adaptive' ? 'chosen by adaptive switching (the NSGANetV2 paper\'s method)' : s.surrogate}, whereas the study's run_search.sh leaves msunas.py's default, RBF alone.`);
  }
  if (s.surrogate === 'adaptive' || s.surrogate === 'cart') {
    if (s.cartTrees !== 5000) d.push(`CART ensemble of ${s.cartTrees} trees instead of 5000.`);
  }
  if (s.surrogate === 'adaptive' && s.cvFolds !== 10) d.push(`${s.cvFolds}-fold cross-validation of the surrogates instead of 10-fold.`);
  if (s.initialArchs !== 100) d.push(`${s.initialArchs} initial architectures instead of 100.`);
  if (s.iterations !== 30) d.push(`${s.iterations} surrogate iterations instead of 30.`);
  if (s.archsPerIteration !== 8) d.push(`${s.archsPerIteration} new architectures per iteration instead of 8.`);
  if (s.fineTuneEpochs !== 5) {
    d.push(s.fineTuneEpochs < 1 ? `Each candidate is fine-tuned for one pass over ${Math.round(100 * s.fineTuneEpochs)}% of the training split instead of 5 epochs.` : `Each candidate is fine-tuned for ${s.fineTuneEpochs} epochs instead of 5.`);
  }
  if (s.fineTuneBatchSize !== 128) d.push(`Fine-tuning batch ${s.fineTuneBatchSize} instead of 128.`);
  if (s.fineTuneLearningRate !== 0.01) d.push(`Fine-tuning learning rate ${s.fineTuneLearningRate} instead of 0.01.`);
  if (s.fineTuneWeightDecay !== 4e-5) d.push(`Fine-tuning weight decay ${s.fineTuneWeightDecay} instead of 4e-5.`);
  if (s.bnCalibrationImages !== 2000) {
    d.push(s.bnCalibrationImages === 0 ? 'Inherited BN running statistics are kept instead of being reset on 2000 training images.' : `BN running statistics are reset on ${s.bnCalibrationImages} training images instead of 2000.`);
  }
  d.push('BN statistics are reset as a bias-corrected exponential average of batch statistics instead of OFA\'s cumulative average.');
  if (s.validationFraction !== 0.1) d.push(`${Math.round(100 * s.validationFraction)}% of the search images validate candidates instead of 10% (5000 of CIFAR-10's 50000).`);
  if (s.searchSubset !== null) d.push(`The search uses a random ${s.searchSubset}-image subset of the training set.`);
  if (s.channels !== 16 || s.cellsPerStage !== 5) d.push(`Supernet and candidates at C=${s.channels}, N=${s.cellsPerStage} instead of NB201's C=16, N=5.`);
  if (s.nsgaPopulation !== 40) d.push(`Surrogate NSGA-II population ${s.nsgaPopulation} instead of 40.`);
  if (s.nsgaGenerations !== 20) d.push(`Surrogate NSGA-II runs ${s.nsgaGenerations} generations instead of 20.`);
  if (s.crossoverProbability !== 0.9) d.push(`Crossover probability ${s.crossoverProbability} instead of 0.9.`);
  if (s.mutationEta !== 1) d.push(`Mutation distribution index ${s.mutationEta} instead of 1.`);
  if (s.select === 'knee') {
    d.push('The knee of the final front is returned (highest trade-off against every other front point, not only ε-neighbours as in post_search.py).');
  }
  return d;
}

/**
 * A search's cost hint in image-epochs of the evaluation network: supernet training (one path per
 * step, about one network) plus each candidate's calibration, fine-tuning and validation.
 */
export function nsganetv2SearchCost(s: Nsganetv2Settings, run: SearchCostContext): number {
  const images = Math.min(run.trainSize, s.searchSubset ?? run.trainSize);
  const train = images * (1 - s.validationFraction);
  const candidates = s.initialArchs + s.iterations * s.archsPerIteration;
  // Forward-only passes (calibration, validation) cost about a third of a training step.
  const perCandidate = s.fineTuneEpochs * train + (Math.min(s.bnCalibrationImages, train) + images * s.validationFraction) / 3;
  return (s.supernetEpochs * train + candidates * perCandidate) * relativeWidth(run, s.channels, s.cellsPerStage);
}
