// ArmView.genotypes(): an arm's canonical genotypes, completed trials only, in trial order — what a
// spec compares when the cell itself is the claim (a label-free method under label flipping).
import { describe, expect, test } from 'vitest';
import { CLEAN } from '../attacks/index.js';
import { armKey, type MatrixResults } from '../run/matrix.js';
import type { TrialRecord } from '../store/index.js';
import { PoisoningMatrix } from './matrix.js';
import { syntheticTrial } from './test-utils.js';

const withCell = (attack: string, budget: number, trialIndex: number, canonical: string | null): TrialRecord => ({
  ...syntheticTrial(attack, budget, trialIndex, 70),
  genotype: canonical,
  canonicalGenotype: canonical,
});

describe('ArmView.genotypes', () => {
  const matrix = new PoisoningMatrix({ nas: 'random', attack: 'random-label-flip', budgets: [0.5] });

  test('throws before the matrix has run', () => {
    expect(() => matrix.control.genotypes()).toThrow(/results are not available yet/);
  });

  test('canonical genotypes of the completed trials, ordered by trial index', () => {
    const arms = new Map<string, TrialRecord[]>([
      [armKey(CLEAN, 0), [withCell(CLEAN, 0, 2, 'c2'), withCell(CLEAN, 0, 0, 'c0'), withCell(CLEAN, 0, 1, 'c1')]],
      [armKey('random-label-flip', 0.5), [withCell('random-label-flip', 0.5, 0, 'c0'), withCell('random-label-flip', 0.5, 1, null)]],
    ]);
    const results: MatrixResults = { label: matrix.label, spec: matrix.spec, trials: 3, arms, errored: [], trialKeys: [], ranTrials: 0, reusedTrials: 0 };
    matrix.useResults(results);
    expect(matrix.control.genotypes()).toEqual(['c0', 'c1', 'c2']);
    expect(matrix.cell(0.5).genotypes()).toEqual(['c0']);
  });
});
