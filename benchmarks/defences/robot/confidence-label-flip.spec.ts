// Defences × RoBoT × confidence label flipping at 50 %: the suspect training set is filtered
// between poisoning and search — by loss-based sanitisation (a model trained on the suspect set;
// the highest-loss fraction f of the tier is dropped) and by the oracle filter (drops exactly the
// poison: the upper bound any filter can reach). The undefended 50 % arm and the clean control are
// the trials of benchmarks/robot/confidence-label-flip.spec.ts (shared through the store); the
// report gives each defence's precision and recall at finding the poison and the ΔImp it recovers.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('RoBoT × confidence label flipping at 50 %: defences', () => {
  const d = poisoningMatrix({ nas: 'robot', attack: 'confidence-label-flip', budgets: [0.5], defences: ['loss-sanitisation', 'oracle-filter'] });

  test.each(['loss-sanitisation', 'oracle-filter'])('%s recovers ΔImp against the undefended arm', (defence) => {
    expect(d.cell(0.5).defended(defence).deltaImprovement).toBeSignificantlyAbove(d.cell(0.5).deltaImprovement);
  });
});
