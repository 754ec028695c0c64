// Defences × TE-NAS × gradient canceling at 50 %: the suspect training set is filtered between
// poisoning and search — by loss-based sanitisation (a model trained on the suspect set; the
// highest-loss fraction f of the tier is dropped) and by the oracle filter (drops exactly the
// poison: the upper bound any filter can reach). The undefended 50 % arm and the clean control are
// the trials of benchmarks/tenas/gradient-canceling.spec.ts (shared through the store); the report
// gives each defence's precision and recall at finding the poison and the ΔImp it recovers. ε =
// 0.5, as benchmarks/tenas/gradient-canceling.spec.ts (the study's setting for training-free
// methods).
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('TE-NAS × gradient canceling at 50 %: defences', () => {
  const d = poisoningMatrix({ nas: 'tenas', attack: 'gradient-canceling', attackParams: { epsilon: 0.5 }, budgets: [0.5], defences: ['loss-sanitisation', 'oracle-filter'] });

  test.each(['loss-sanitisation', 'oracle-filter'])('%s recovers ΔImp against the undefended arm', (defence) => {
    expect(d.cell(0.5).defended(defence).deltaImprovement).toBeSignificantlyAbove(d.cell(0.5).deltaImprovement);
  });
});
