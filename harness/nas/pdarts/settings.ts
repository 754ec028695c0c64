/**
 * P-DARTS settings: the tier's `nas.pdarts` block. Its schema is this folder's
 * `settings.schema.json` (every field required but a stage's `warmupEpochs`, which defaults to the
 * published ratio); {@link pdartsSettings} checks a block against it and against the rules JSON
 * Schema cannot express, and fills the default in.
 */
import { settingsSchema } from '../../plugins/settings.js';
import { relativeWidth, type SearchCostContext } from '../types.js';

/** One P-DARTS stage: cells per NB201 stage, ops kept per edge, skip-connect dropout at its start. */
export interface PdartsStage {
  cellsPerStage: number;
  opsPerEdge: number;
  epochs: number;
  /**
   * Epochs at the start of the stage that train weights only (α frozen). Default: the published
   * ratio, 10 of 25 epochs, rounded.
   */
  warmupEpochs: number;
  skipDropout: number;
}

/** A stage as a tier writes it: the warm-up may be left to its published default. */
export type PdartsTierStage = Omit<PdartsStage, 'warmupEpochs'> & { warmupEpochs?: number };

/** The tier's `nas.pdarts` block. */
export type PdartsTierSettings = Omit<PdartsSettings, 'stages'> & { stages: PdartsTierStage[] };

/** P-DARTS's search as published (Chen et al. 2019, the study's fork ztcoalson/pdarts, `train_search.py`). */
export const PDARTS_PUBLISHED = {
  stages: 3,
  epochsPerStage: 25,
  /** Weight-only epochs at the start of each stage (`eps_no_archs`). */
  warmupEpochs: 10,
  /** Cells of the search network per stage (5 → 11 → 17 on the DARTS space: `layers` + `add_layers`). */
  totalCells: [5, 11, 17],
  skipDropout: [0.1, 0.4, 0.7],
  channels: 16,
  batchSize: 96,
  weightLearningRate: 0.025,
  weightMinLearningRate: 0,
  weightMomentum: 0.9,
  weightDecay: 3e-4,
  alphaLearningRate: 6e-4,
  alphaBeta1: 0.5,
  alphaBeta2: 0.999,
  alphaWeightDecay: 1e-3,
  gradientClipNorm: 5,
  maxSkipConnects: 2,
} as const;

/** The published warm-up for a stage of `epochs` epochs: 10 of 25, rounded. */
export function publishedWarmup(epochs: number): number {
  return Math.round((epochs * PDARTS_PUBLISHED.warmupEpochs) / PDARTS_PUBLISHED.epochsPerStage);
}

export interface PdartsSettings {
  /** Images of the (possibly poisoned) training set the search uses (null: all). */
  searchSubset: number | null;
  channels: number;
  batchSize: number;
  stages: PdartsStage[];
  weightLearningRate: number;
  weightMinLearningRate: number;
  weightMomentum: number;
  weightDecay: number;
  alphaLearningRate: number;
  alphaBeta1: number;
  alphaBeta2: number;
  alphaWeightDecay: number;
  gradientClipNorm: number;
  /** At most this many skip-connects in the final cell (P-DARTS: 2). */
  maxSkipConnects: number;
}


/** The compiled schema of a `nas.pdarts` block. */
export const PDARTS_SCHEMA = settingsSchema<PdartsTierSettings>('pdarts', new URL('./settings.schema.json', import.meta.url));

/**
 * Effective settings from the tier's `nas.pdarts` block: checked against {@link PDARTS_SCHEMA} and
 * the rules it cannot express (the first stage keeps all 5 ops, ops per edge shrink, warm-ups fit
 * their stages), each stage's warm-up defaulted to the published ratio.
 *
 * @throws SettingsError naming each mistake by its JSON path within the block
 */
export function pdartsSettings(block: unknown): PdartsSettings {
  if (block === undefined || block === null) PDARTS_SCHEMA.fail('', 'is missing: a tier that runs pdarts needs a nas.pdarts settings block (there are no defaults for its search budget)');
  const tierBlock = PDARTS_SCHEMA.check(block);
  const s: PdartsSettings = { ...tierBlock, stages: tierBlock.stages.map((stage) => ({ ...stage, warmupEpochs: stage.warmupEpochs ?? publishedWarmup(stage.epochs) })) };
  if (s.stages[0]!.opsPerEdge !== 5) PDARTS_SCHEMA.fail('/stages/0/opsPerEdge', 'must be 5 (all NB201 ops)');
  s.stages.forEach((stage, i) => {
    if (stage.warmupEpochs > stage.epochs) PDARTS_SCHEMA.fail(`/stages/${i}/warmupEpochs`, `(${stage.warmupEpochs}) exceeds epochs (${stage.epochs})`);
    const prev = s.stages[i - 1];
    if (prev && stage.opsPerEdge >= prev.opsPerEdge) {
      PDARTS_SCHEMA.fail(`/stages/${i}/opsPerEdge`, `must shrink from stage to stage (${prev.opsPerEdge} → ${stage.opsPerEdge})`);
    }
  });
  return s;
}

/**
 * A search's cost hint (image-epochs of the evaluation network): the supernet computes every
 * candidate op of an edge — (1 + ops kept) / 2 of a cell on average over the stage's ops — for a
 * weight step and an α step per batch, on the search subset, at the supernet's width.
 */
export function pdartsSearchCost(s: PdartsSettings, run: SearchCostContext): number {
  const images = Math.min(run.trainSize, s.searchSubset ?? run.trainSize);
  return s.stages.reduce((sum, stage) => sum + stage.epochs * images * relativeWidth(run, s.channels, stage.cellsPerStage) * ((1 + stage.opsPerEdge) / 2), 0);
}

/** Each way `s` departs from P-DARTS as published (for the report's method section). */
export function pdartsDeviations(s: PdartsSettings): string[] {
  const p = PDARTS_PUBLISHED;
  const out: string[] = ['searches the NAS-Bench-201 cell space (5 ops per edge, 6 edges); the study ran P-DARTS on the DARTS space (8 ops), so ops kept per edge shrink ' + s.stages.map((x) => x.opsPerEdge).join(' → ') + ' → 1 instead of 8 → 5 → 3 → 1'];
  const list = (xs: readonly number[]) => xs.join(' / ');
  if (s.stages.length !== p.stages) out.push(`${s.stages.length} stages instead of ${p.stages}`);
  const epochs = s.stages.map((x) => x.epochs);
  if (epochs.some((e) => e !== p.epochsPerStage)) out.push(`${list(epochs)} epochs per stage instead of ${p.epochsPerStage}`);
  const warmups = s.stages.map((x) => x.warmupEpochs);
  if (s.stages.some((x) => x.warmupEpochs * p.epochsPerStage !== x.epochs * p.warmupEpochs)) {
    out.push(`weight-only warm-up ${s.stages.map((x) => `${x.warmupEpochs} of ${x.epochs}`).join(' / ')} epochs instead of ${p.warmupEpochs} of ${p.epochsPerStage}${warmups.every((w, i) => w === publishedWarmup(epochs[i]!)) ? ' (the published ratio, rounded)' : ''}`);
  }
  const dropout = s.stages.map((x) => x.skipDropout);
  if (dropout.length !== p.skipDropout.length || dropout.some((d, i) => d !== p.skipDropout[i])) out.push(`skip-connect dropout ${list(dropout)} instead of ${list(p.skipDropout)}`);
  out.push(`search network of ${list(s.stages.map((x) => 3 * x.cellsPerStage))} NB201 cells (${list(s.stages.map((x) => x.cellsPerStage))} per stage) instead of ${list(p.totalCells)} DARTS cells`);
  if (s.channels !== p.channels) out.push(`${s.channels} initial channels instead of ${p.channels}`);
  if (s.searchSubset !== null) out.push(`searches on ${s.searchSubset} images of the (poisoned) training set instead of all of it (halves for weights and α)`);
  const numeric: Array<[keyof typeof p & keyof PdartsSettings, string]> = [
    ['batchSize', 'batch size'],
    ['weightLearningRate', 'weight learning rate'],
    ['weightMinLearningRate', 'final weight learning rate'],
    ['weightMomentum', 'weight momentum'],
    ['weightDecay', 'weight decay'],
    ['alphaLearningRate', 'α learning rate'],
    ['alphaBeta1', 'α Adam β1'],
    ['alphaBeta2', 'α Adam β2'],
    ['alphaWeightDecay', 'α weight decay'],
    ['gradientClipNorm', 'gradient clip norm'],
    ['maxSkipConnects', 'skip-connects allowed in the final cell'],
  ];
  for (const [key, label] of numeric) if (s[key] !== p[key]) out.push(`${label} ${String(s[key])} instead of ${String(p[key])}`);
  return out;
}
