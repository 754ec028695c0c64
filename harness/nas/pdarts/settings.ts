/** P-DARTS settings: the tier's `nas.pdarts` block (schema: harness/run/tier.schema.json). */

/** One P-DARTS stage: cells per NB201 stage, ops kept per edge, skip-connect dropout at its start. */
export interface PdartsStage {
  cellsPerStage: number;
  opsPerEdge: number;
  epochs: number;
  /** Epochs at the start of the stage that train weights only (α frozen). */
  warmupEpochs: number;
  skipDropout: number;
}

export interface PdartsTierSettings {
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

export type PdartsSettings = PdartsTierSettings;

/**
 * Checks the rules of a settings block that JSON Schema cannot express (the tier schema checks
 * the shape); messages name the JSON path within the block.
 */
export function pdartsSettings(block: unknown): PdartsSettings {
  if (block === null || typeof block !== 'object') throw new Error('pdarts: the tier has no nas.pdarts settings block');
  const s = block as PdartsSettings;
  if (!Array.isArray(s.stages) || s.stages.length === 0) throw new Error('pdarts: /stages must list at least one stage');
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
