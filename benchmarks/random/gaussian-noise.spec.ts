// Random search × Gaussian noise: the harness's own control. Random search never looks at the data and
// every found cell is retrained on clean data, so no poison — and no defence — can reach its
// accuracy; a difference here would mean poisoned or filtered data leaked into retraining or testing.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';

describe('Random search × Gaussian noise (harness control)', () => {
  const m = poisoningMatrix({ nas: 'random', attack: 'gaussian-noise', budgets: [0.5], defences: ['loss-sanitisation', 'oracle-filter'] });

  test('poison cannot reach an architecture chosen without data: trial for trial, the same accuracy', () => {
    // Trial i of every arm draws the same cell from the same seed and retrains it on clean data.
    expect(m.cell(0.5).accuracy.values()).toEqual(m.control.accuracy.values());
    expect(m.cell(0.5).accuracy.values().length).toBeGreaterThanOrEqual(2);
  });

  test.each(['loss-sanitisation', 'oracle-filter'])('neither can the %s filtering step: the same accuracy, trial for trial', (defence) => {
    expect(m.cell(0.5).defended(defence).accuracy.values()).toEqual(m.control.accuracy.values());
  });
});
