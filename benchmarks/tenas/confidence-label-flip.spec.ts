// TE-NAS × confidence-based label flipping. TE-NAS (harness/nas/tenas) is training-free and never
// reads a label (see random-label-flip.spec.ts beside this file): however cleverly the flipped
// labels are chosen, the search sees the same images, so trial i of every arm must find the
// identical cell and, retrained with the same seed on clean data, the identical accuracy.
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
