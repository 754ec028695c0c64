// RoBoT × Gaussian noise. RoBoT (hybrid) scores a pool with six training-free metrics, four of which read labels, and queries cells by brief training and validation on the poisoned set.
// Chosen images get N(0, σ²) noise per pixel, clipped to [0, 1]; labels are kept (σ is the tier's `attacks["gaussian-noise"].sigma`, not published by the study).
// The headline asks whether poisoning the search erases the method's advantage over random
// sampling (ΔImp); the gate whether a 1 % budget leaves accuracy within the tier's margin. Found
// cells are always retrained on clean data. The defence suite of this pair (sanitisation and the
// oracle filter at 50 %) is benchmarks/defences/robot/gaussian-noise.spec.ts.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('RoBoT × Gaussian noise', () => {
  const m = poisoningMatrix({ nas: 'robot', attack: 'gaussian-noise', budgets: [0.01, 0.1, 0.5] });

  test('noising half the images erases the advantage over random search', () => {
    expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
  });

  // Passes only on evidence: a non-inferiority test at the tier's margin (1 pp at smoke and standard).
  // Trials that cannot decide it leave it "underpowered at this tier", never passed.
  test('a 1% budget costs at most the margin in accuracy (robustness gate)', () => {
    expect(m.cell(0.01).accuracy).toBeNoWorseThan(m.control.accuracy);
  });
});
