// RoBoT × random label flipping: does poisoning the search erase RoBoT's advantage over random
// sampling (ΔImp), while leaving raw accuracy at small budgets alone? RoBoT is a hybrid: four of its
// six metrics (grad_norm, snip, grasp, fisher) read labels, and every query is scored by accuracy
// on a validation split drawn from the poisoned training set, so label flips reach it twice.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('RoBoT × random label flipping', () => {
  const m = poisoningMatrix({ nas: 'robot', attack: 'random-label-flip', budgets: [0.01, 0.1, 0.5] });

  test('flipping half the labels erases the advantage over random search', () => {
    expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
  });

  // Passes only on evidence: a non-inferiority test at the tier's margin (1 pp at smoke and standard).
  // Trials that cannot decide it leave it "underpowered at this tier", never passed.
  test('a 1% budget costs at most the margin in accuracy (robustness gate)', () => {
    expect(m.cell(0.01).accuracy).toBeNoWorseThan(m.control.accuracy);
  });
});
