// Defences × Random search × gradient canceling at 50 %: the suspect training set is filtered
// between poisoning and search — by loss-based sanitisation (a model trained on the suspect set;
// the highest-loss fraction f of the tier is dropped) and by the oracle filter (drops exactly the
// poison: the upper bound any filter can reach). The undefended 50 % arm and the clean control are
// the trials of benchmarks/random/gradient-canceling.spec.ts (shared through the store); the report
// gives each defence's precision and recall at finding the poison and the ΔImp it recovers.
//
// Random search never reads the data, so the filtering step cannot reach its cell either: trial i of
// every arm draws the same cell and retrains it on clean data. A difference would mean filtered data
// leaked into retraining or testing.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('Random search × gradient canceling at 50 %: defences (harness control)', () => {
  const d = poisoningMatrix({ nas: 'random', attack: 'gradient-canceling', budgets: [0.5], defences: ['loss-sanitisation', 'oracle-filter'] });

  test.each(['loss-sanitisation', 'oracle-filter'])('the %s filtering step leaves the accuracy unchanged, trial for trial', (defence) => {
    expect(d.cell(0.5).defended(defence).accuracy.values().length).toBeGreaterThanOrEqual(2);
    expect(d.cell(0.5).defended(defence).accuracy.values()).toEqual(d.control.accuracy.values());
  });
});
