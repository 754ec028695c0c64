// P-DARTS × NAS-tailored gradient canceling. The study's NAS variant of gradient canceling targets
// the supernet's architecture parameters α instead of a victim network's weights: a P-DARTS
// first-stage supernet warmed up on clean data gives the GradPC target (one epoch of normalised
// ascent on α) and the clean architecture gradient ḡ_c; the chosen images (L∞ ≤ 16/255, labels kept)
// are optimised so that their architecture gradient cancels it (harness/attacks/gradient-canceling/
// nas.ts lists every setting the study does not publish). The headline, gate and cosine check are
// those of benchmarks/pdarts/gradient-canceling.spec.ts; the defence suite is
// benchmarks/defences/pdarts/gradient-canceling-nas.spec.ts.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('P-DARTS × NAS-tailored gradient canceling', () => {
  const m = poisoningMatrix({ nas: 'pdarts', attack: 'gradient-canceling-nas', budgets: [0.01, 0.1, 0.5], track: ['skipConnections'] });

  test('gradient-canceling half the images against α erases the advantage over random search', () => {
    expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
  });

  // Passes only on evidence: a non-inferiority test at the tier's margin (1 pp at smoke and standard).
  // Trials that cannot decide it leave it "underpowered at this tier", never passed.
  test('a 1% budget costs at most the margin in accuracy (robustness gate)', () => {
    expect(m.cell(0.01).accuracy).toBeNoWorseThan(m.control.accuracy);
  });

  test('every poison cancels the clean gradient more than before it was optimised (cos(ḡ_c, g_p) falls)', () => {
    const before = m.cell(0.5).metric('poison.cosineBefore').values();
    const after = m.cell(0.5).metric('poison.cosineAfter').values();
    expect(after.length).toBeGreaterThan(0);
    after.forEach((cos, i) => expect(cos).toBeLessThan(before[i]!));
  });
});
