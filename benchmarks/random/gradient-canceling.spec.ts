// Random search × gradient canceling: the harness's own control. Random search never looks at the
// data and every found cell is retrained on clean data, so no poison can reach its accuracy; a
// difference here would mean poisoned data leaked into retraining or testing.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('Random search × gradient canceling (harness control)', () => {
  const m = poisoningMatrix({ nas: 'random', attack: 'gradient-canceling', budgets: [0.5] });

  test('poison cannot reach an architecture chosen without data: trial for trial, the same accuracy', () => {
    // Trial i of every arm draws the same cell from the same seed and retrains it on clean data.
    expect(m.cell(0.5).accuracy.values()).toEqual(m.control.accuracy.values());
    expect(m.cell(0.5).accuracy.values().length).toBeGreaterThanOrEqual(2);
  });

  test('and no drop beyond the margin (the gate a real NAS method is held to)', () => {
    // Welch's test ignores the pairing, so at n = 3 this gate may be underpowered even though the
    // arms are equal trial for trial (the test above is the decisive one).
    expect(m.cell(0.5).accuracy).toBeNoWorseThan(m.control.accuracy);
  });
});
