// NSGANetV2 × confidence-based label flipping. NSGANetV2 (training-based) trains a weight-sharing supernet on the poisoned set and fine-tunes and validates each candidate on it.
// A surrogate trained on the clean set picks the samples it classifies most confidently and gives each its most likely wrong class (harness/attacks/confidence-label-flip.ts documents the rule): wrong labels that look plausible, harder to filter than random ones.
// The headline asks whether poisoning the search erases NSGANetV2's advantage over random sampling
// (ΔImp); the gate whether a 1 % budget leaves accuracy within the tier's margin; the defence suite
// whether loss-based sanitisation (and, as the upper bound, the oracle filter that drops exactly the
// poison) recovers the ΔImp lost at 50 %. Found cells are always retrained on clean data.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('NSGANetV2 × confidence label flipping', () => {
  const m = poisoningMatrix({ nas: 'nsganetv2', attack: 'confidence-label-flip', budgets: [0.01, 0.1, 0.5], track: ['skipConnections'] });

  test('flipping the most confident half of the labels erases the advantage over random search', () => {
    expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
  });

  // Passes only on evidence: a non-inferiority test at the tier's margin (1 pp at smoke and standard).
  // Trials that cannot decide it leave it "underpowered at this tier", never passed.
  test('a 1% budget costs at most the margin in accuracy (robustness gate)', () => {
    expect(m.cell(0.01).accuracy).toBeNoWorseThan(m.control.accuracy);
  });
});

describe('NSGANetV2 × confidence label flipping at 50 %: defences', () => {
  // The undefended 50 % arm and the control are the same trials as above (shared through the store).
  const d = poisoningMatrix({ nas: 'nsganetv2', attack: 'confidence-label-flip', budgets: [0.5], defences: ['loss-sanitisation', 'oracle-filter'] });

  test.each(['loss-sanitisation', 'oracle-filter'])('%s recovers ΔImp against the undefended arm', (defence) => {
    expect(d.cell(0.5).defended(defence).deltaImprovement).toBeSignificantlyAbove(d.cell(0.5).deltaImprovement);
  });
});
