// py-random (examples/exec-random-search/search.py, a Python method run through the exec adapter)
// × random label flipping. Not under benchmarks/, so the shipped run does not include it; see
// README.md in this folder to run it. The imports climb two folders, so the file also works when
// copied to benchmarks/<folder>/.
//
// py-random scores cells by a nearest-class-mean classifier fitted and scored on the (possibly
// poisoned) labels, then the chosen cell is retrained on clean data: label flipping can only
// reach the clean accuracy through which cell wins. The score's rank correlation with clean
// accuracy (panelRankCorrelation, from the panel scores it answers) is tracked as well.
import { describe, expect, test } from 'vitest';
import { poisoningMatrix } from '../../harness/spec/index.js';
import '../../examples/exec-random-search/plugin.js';

describe('py-random (Python, exec adapter) × random label flipping', () => {
  const m = poisoningMatrix({ nas: 'py-random', attack: 'random-label-flip', budgets: [0.5], track: ['panelRankCorrelation'] });

  test('flipping half the labels does not cost clean accuracy beyond the margin', () => {
    expect(m.cell(0.5).accuracy).toBeNoWorseThan(m.control.accuracy);
  });
});
