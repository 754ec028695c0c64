/** Helpers for spec-layer tests: synthetic matrix results from a trial function. */
import { CLEAN } from '../attacks/index.js';
import { armKey, type MatrixResults } from '../run/matrix.js';
import type { TrialRecord } from '../store/index.js';
import { PoisoningMatrix } from './matrix.js';

/** A completed trial with the given accuracy (ΔImp against `baseline`) and diagnostics. */
export function syntheticTrial(
  attack: string,
  budget: number,
  trialIndex: number,
  accuracy: number,
  baseline = 80,
  diagnostics: Record<string, number> = {},
): TrialRecord {
  return {
    matrix: 'synthetic',
    nas: 'pdarts',
    attack,
    budget,
    defence: 'none',
    trialIndex,
    tier: 'synthetic',
    trialKey: `${attack}-${budget}-${trialIndex}`.padEnd(64, '0'),
    seed: trialIndex,
    status: 'completed',
    dataset: 'synthetic',
    datasetHash: 'synthetic',
    poisonHash: attack === CLEAN ? null : 'synthetic',
    genotype: null,
    canonicalGenotype: null,
    accuracy,
    randomBaselineMean: baseline,
    deltaImprovement: accuracy - baseline,
    diagnostics,
    params: {},
    environment: { backend: 'none', tfjs: '', node: '', platform: '', arch: '', cpuModel: '', cpuCount: 0 },
    codeVersion: 'test',
    startedAt: '',
    finishedAt: '',
    durationMs: 0,
  };
}

/**
 * A pdarts × random-label-flip matrix whose arms hold `draw(attack, budget, i)` accuracies for
 * `trials` trials each (the control arm is attack `clean`, budget 0).
 */
export function syntheticMatrix(
  budgets: number[],
  trials: number | Record<string, number>,
  draw: (attack: string, budget: number, i: number) => number,
  options: {
    track?: string[];
    margins?: Record<string, number>;
    diagnostics?: (attack: string, budget: number, i: number) => Record<string, number>;
    errored?: TrialRecord[];
  } = {},
): PoisoningMatrix {
  const matrix = new PoisoningMatrix({
    nas: 'pdarts',
    attack: 'random-label-flip',
    budgets,
    ...(options.track ? { track: options.track } : {}),
    ...(options.margins ? { margins: options.margins } : {}),
  });
  const arms = new Map<string, TrialRecord[]>();
  for (const [attack, budget] of [[CLEAN, 0], ...budgets.map((b) => ['random-label-flip', b])] as Array<[string, number]>) {
    const n = typeof trials === 'number' ? trials : (trials[armKey(attack, budget)] ?? 0);
    arms.set(
      armKey(attack, budget),
      Array.from({ length: n }, (_, i) => syntheticTrial(attack, budget, i, draw(attack, budget, i), 80, options.diagnostics?.(attack, budget, i) ?? {})),
    );
  }
  const results: MatrixResults = {
    label: matrix.label,
    spec: matrix.spec,
    trials: typeof trials === 'number' ? trials : 0,
    arms,
    errored: options.errored ?? [],
    trialKeys: [...arms.values()].flat().map((t) => t.trialKey),
    ranTrials: 0,
    reusedTrials: 0,
  };
  return matrix.useResults(results);
}
