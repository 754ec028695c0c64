// Defences × TE-NAS × confidence label flipping at 50 %: the suspect training set is filtered
// between poisoning and search — by loss-based sanitisation (a model trained on the suspect set;
// the highest-loss fraction f of the tier is dropped) and by the oracle filter (drops exactly the
// poison: the upper bound any filter can reach). The undefended 50 % arm and the clean control are
// the trials of benchmarks/tenas/confidence-label-flip.spec.ts (shared through the store); the
// report gives each defence's precision and recall at finding the poison and the ΔImp it recovers.
//
// Labels never enter TE-NAS, so label poison cannot harm it and there is nothing to recover. But a
// defence removes samples, so TE-NAS's NTK batch and region crops (drawn from the search set's
// images by the seed) change, and its cell may change with them: the suite asserts that filtering
// does no harm beyond the tier's margin against the undefended arm.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('TE-NAS × confidence label flipping at 50 %: defences', () => {
  const d = poisoningMatrix({ nas: 'tenas', attack: 'confidence-label-flip', budgets: [0.5], defences: ['loss-sanitisation', 'oracle-filter'] });

  test.each(['loss-sanitisation', 'oracle-filter'])('filtering by %s does no harm beyond the margin (gate)', (defence) => {
    expect(d.cell(0.5).defended(defence).accuracy).toBeNoWorseThan(d.cell(0.5).accuracy);
  });
});
