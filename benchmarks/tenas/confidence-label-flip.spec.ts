// TE-NAS × confidence-based label flipping. TE-NAS (harness/nas/tenas) is training-free and never
// reads a label (see random-label-flip.spec.ts beside this file): however cleverly the flipped
// labels are chosen, the search sees the same images, so trial i of every arm must find the
// identical cell and, retrained with the same seed on clean data, the identical accuracy.
//
// The defence suite is different: a defence removes samples, so TE-NAS's NTK batch and region crops
// (drawn from the search set's images by the seed) change, and the cell may change with them. Label
// poison cannot harm TE-NAS, so there is nothing to recover; the suite asserts that filtering does no
// harm beyond the tier's margin against the undefended arm.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('TE-NAS × confidence label flipping', () => {
  const m = poisoningMatrix({ nas: 'tenas', attack: 'confidence-label-flip', budgets: [0.01, 0.1, 0.5] });

  test.each(m.spec.budgets)('labels never enter TE-NAS: at a %s flip, the identical cell trial for trial', (budget) => {
    expect(m.control.genotypes().length).toBeGreaterThan(0);
    expect(m.cell(budget).genotypes()).toEqual(m.control.genotypes());
  });

  test.each(m.spec.budgets)('so at a %s flip accuracy and ΔImp equal the control\'s exactly, trial for trial', (budget) => {
    expect(m.cell(budget).accuracy.values()).toEqual(m.control.accuracy.values());
    expect(m.cell(budget).deltaImprovement.values()).toEqual(m.control.deltaImprovement.values());
  });
});

describe('TE-NAS × confidence label flipping at 50 %: defences', () => {
  const d = poisoningMatrix({ nas: 'tenas', attack: 'confidence-label-flip', budgets: [0.5], defences: ['loss-sanitisation', 'oracle-filter'] });

  test.each(['loss-sanitisation', 'oracle-filter'])('filtering by %s does no harm beyond the margin (gate)', (defence) => {
    expect(d.cell(0.5).defended(defence).accuracy).toBeNoWorseThan(d.cell(0.5).accuracy);
  });
});
