// TE-NAS × random label flipping. TE-NAS (harness/nas/tenas) is training-free and never reads a
// label: it draws its NTK batch and its region crops from the search set's images by the search
// seed alone (no stratification by class) and scores untrained networks. Random label flipping
// changes labels only, and trial i of every arm shares one search seed, so TE-NAS must return the
// identical cell in every arm, trial for trial — the study's "training-free NAS is robust" holds
// here by construction, and a difference would mean labels leaked into the search.
//
// The found cell is retrained on clean data with trial i's retraining seed, which every arm shares
// too, so equal cells give equal accuracy and ΔImp (accuracy minus the one random-baseline mean of
// the run), to the last bit: same computation, same backend (an equal cell is even the same cached
// evaluation, keyed by canonical cell and seed).
//
// No significance assertion: equality trial for trial is stronger evidence than any test of means
// (Welch's test ignores the pairing, and at the smoke tier's 3 trials a margin gate would only be
// "underpowered"). The study's other finding — training-free NAS is often no better than random
// sampling (ΔImp ≈ 0) — is a one-sample claim about the control arm, which the matchers (an arm
// against its control) cannot express; the report shows each arm's ΔImp.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from '../../harness/spec/index.js';

describe('TE-NAS × random label flipping', () => {
  const m = poisoningMatrix({ nas: 'tenas', attack: 'random-label-flip', budgets: [0.01, 0.1, 0.5] });

  test.each(m.spec.budgets)('labels never enter TE-NAS: at a %s flip, the identical cell trial for trial', (budget) => {
    expect(m.control.genotypes().length).toBeGreaterThan(0);
    expect(m.cell(budget).genotypes()).toEqual(m.control.genotypes());
  });

  test.each(m.spec.budgets)('so at a %s flip accuracy and ΔImp equal the control\'s exactly, trial for trial (same cell, same retraining seed)', (budget) => {
    expect(m.control.accuracy.values().length).toBeGreaterThan(0);
    expect(m.cell(budget).accuracy.values()).toEqual(m.control.accuracy.values());
    expect(m.cell(budget).deltaImprovement.values()).toEqual(m.control.deltaImprovement.values());
  });
});
