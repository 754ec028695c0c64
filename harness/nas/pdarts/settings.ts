/** P-DARTS settings: the tier's `nas.pdarts` block (schema: harness/run/tier.schema.json). */

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


/**
 * Checks the rules of a settings block that JSON Schema cannot express (the tier schema checks
 * the shape); messages name the JSON path within the block.
 */
export function pdartsSettings(block: unknown): PdartsSettings {
  if (block === null || typeof block !== 'object') throw new Error('pdarts: the tier has no nas.pdarts settings block');
  const tierBlock = block as PdartsTierSettings;
  if (!Array.isArray(tierBlock.stages) || tierBlock.stages.length === 0) throw new Error('pdarts: /stages must list at least one stage');
  const s: PdartsSettings = { ...tierBlock, stages: tierBlock.stages.map((stage) => ({ ...stage, warmupEpochs: stage.warmupEpochs ?? publishedWarmup(stage.epochs) })) };
  if (s.stages[0]!.opsPerEdge !== 5) throw new Error('pdarts: /stages/0/opsPerEdge must be 5 (all NB201 ops)');
  s.stages.forEach((stage, i) => {
    if (stage.warmupEpochs > stage.epochs) throw new Error(`pdarts: /stages/${i}/warmupEpochs (${stage.warmupEpochs}) exceeds epochs (${stage.epochs})`);
    const prev = s.stages[i - 1];
    if (prev && stage.opsPerEdge >= prev.opsPerEdge) {
      throw new Error(`pdarts: /stages/${i}/opsPerEdge must shrink from stage to stage (${prev.opsPerEdge} → ${stage.opsPerEdge})`);
    }
  });
  return s;
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
