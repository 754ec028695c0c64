/** Training recipes as data: everything that determines how an architecture is trained. */

export interface TrainingRecipe {
  /** Short name shown in reports, e.g. `smoke-eval`. */
  name: string;
  epochs: number;
  batchSize: number;
  /** Initial learning rate. */
  learningRate: number;
  /** Learning rate at the end of a cosine schedule. */
  minLearningRate: number;
  schedule: 'cosine' | 'constant';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Clip the global gradient norm to this value (DARTS uses 5); 0 = no clipping. */
  gradientClipNorm: number;
  /** Batch size for evaluation passes (no effect on results). */
  evalBatchSize: number;
}

/** NB201's recipe (SGD Nesterov 0.9, lr 0.1 cosine, wd 5e-4, batch 256) with a chosen epoch count. */
export function nb201Recipe(epochs: number, overrides: Partial<TrainingRecipe> = {}): TrainingRecipe {
  return validateRecipe({
    name: `nb201-${epochs}ep`,
    epochs,
    batchSize: 256,
    learningRate: 0.1,
    minLearningRate: 0,
    schedule: 'cosine',
    momentum: 0.9,
    nesterov: true,
    weightDecay: 5e-4,
    gradientClipNorm: 5,
    evalBatchSize: 500,
    ...overrides,
  });
}

function check(ok: boolean, field: string, value: unknown, rule: string): void {
  if (!ok) throw new Error(`recipe: ${field} = ${JSON.stringify(value)} is invalid; ${rule}`);
}

/** Throws naming the first invalid field. */
export function validateRecipe(r: TrainingRecipe): TrainingRecipe {
  check(Number.isInteger(r.epochs) && r.epochs >= 1, 'epochs', r.epochs, 'must be an integer ≥ 1');
  check(Number.isInteger(r.batchSize) && r.batchSize >= 2, 'batchSize', r.batchSize, 'must be an integer ≥ 2');
  check(Number.isFinite(r.learningRate) && r.learningRate > 0, 'learningRate', r.learningRate, 'must be > 0');
  check(r.minLearningRate >= 0 && r.minLearningRate <= r.learningRate, 'minLearningRate', r.minLearningRate, 'must be in [0, learningRate]');
  check(r.schedule === 'cosine' || r.schedule === 'constant', 'schedule', r.schedule, "must be 'cosine' or 'constant'");
  check(r.momentum >= 0 && r.momentum < 1, 'momentum', r.momentum, 'must be in [0, 1)');
  check(r.weightDecay >= 0, 'weightDecay', r.weightDecay, 'must be ≥ 0');
  check(r.gradientClipNorm >= 0, 'gradientClipNorm', r.gradientClipNorm, 'must be ≥ 0');
  check(Number.isInteger(r.evalBatchSize) && r.evalBatchSize >= 1, 'evalBatchSize', r.evalBatchSize, 'must be an integer ≥ 1');
  return r;
}

/** Learning rate at step `step` of `totalSteps` (PyTorch CosineAnnealingLR stepped per batch). */
export function learningRateAt(r: TrainingRecipe, step: number, totalSteps: number): number {
  if (r.schedule === 'constant' || totalSteps <= 1) return r.learningRate;
  const t = Math.min(step, totalSteps) / totalSteps;
  return r.minLearningRate + 0.5 * (r.learningRate - r.minLearningRate) * (1 + Math.cos(Math.PI * t));
}
