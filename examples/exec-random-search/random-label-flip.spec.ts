// py-random (search.py in this folder, a Python method run through the exec adapter) × random
// label flipping. Not under benchmarks/, so the shipped run does not include it; README.md in this
// folder says how to run it. The method is registered by py-random.plugin.ts beside this file,
// which naspoison imports in every process of the run; this file imports it too, so that it reads
// (and type-checks) on its own.
//
// py-random scores cells by a nearest-class-mean classifier fitted and scored on the (possibly
// poisoned) labels, then the chosen cell is retrained on clean data: label flipping can only
// reach the clean accuracy through which cell wins. The score's rank correlation with clean
// accuracy (panelRankCorrelation, from the panel scores it answers) is tracked as well.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from 'naspoison';
import './py-random.plugin.js';

describe('py-random (Python, exec adapter) × random label flipping', () => {
  const m = poisoningMatrix({ nas: 'py-random', attack: 'random-label-flip', budgets: [0.5], track: ['panelRankCorrelation'] });

  test('flipping half the labels does not cost clean accuracy beyond the margin', () => {
    expect(m.cell(0.5).accuracy).toBeNoWorseThan(m.control.accuracy);
  });
});
