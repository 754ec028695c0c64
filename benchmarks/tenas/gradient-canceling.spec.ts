// TE-NAS × gradient canceling. TE-NAS (harness/nas/tenas) never reads a label, but it does read the images:
// its NTK condition number and linear-region count are computed on a batch and crops drawn from the
// search set's images. Gradient canceling perturbs the chosen images (L∞ ≤ 16/255) against a trained victim, not against TE-NAS. So, unlike label flipping, this attack can reach a training-free
// search; the study found training-free NAS largely unaffected. The headline and gate ask the same
// questions as for the training-based methods (the defence suite: benchmarks/defences/tenas/gradient-canceling.spec.ts).
// ε = 0.5 for the GradPC target, as the study used for the training-free methods (1.0 elsewhere).
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('TE-NAS × gradient canceling', () => {
  const m = poisoningMatrix({ nas: 'tenas', attack: 'gradient-canceling', attackParams: { epsilon: 0.5 }, budgets: [0.01, 0.1, 0.5] });

  test('gradient-canceling half the images erases the advantage over random search', () => {
    expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
  });

  // Passes only on evidence: a non-inferiority test at the tier's margin.
  test('a 1% budget costs at most the margin in accuracy (robustness gate)', () => {
    expect(m.cell(0.01).accuracy).toBeNoWorseThan(m.control.accuracy);
  });
});
