// Defended arms in the spec DSL: `defences` declares them (unknown, repeated or `none` refused at
// declaration, with parameters labelled), `m.cell(p).defended(d)` reads them, and a defended arm
// compared with its undefended twin is its own hypothesis, corrected over the matrix's family plus
// itself — never a member of the harm family, which holds the undefended arms only.
import { describe, expect, test } from 'vitest';
import { CLEAN } from '../attacks/index.js';
import { armKey, planMatrix, type MatrixResults } from '../run/matrix.js';
import type { TrialRecord } from '../store/index.js';
import { assess } from './matchers.js';
import { PoisoningMatrix } from './matrix.js';
import { syntheticTrial } from './test-utils.js';

const spec = { nas: 'pdarts', attack: 'random-label-flip', budgets: [0.5] } as const;

describe('declaring defences', () => {
  test('unknown, repeated and "none" are refused, naming the problem', () => {
    expect(() => new PoisoningMatrix({ ...spec, defences: ['median-filter'] })).toThrow(/unknown defence "median-filter"; registered: loss-sanitisation, oracle-filter/);
    expect(() => new PoisoningMatrix({ ...spec, defences: ['oracle-filter', 'oracle-filter'] })).toThrow(/defences list oracle-filter twice/);
    expect(() => new PoisoningMatrix({ ...spec, defences: ['none'] })).toThrow(/"none" is the undefended arm, which every matrix has/);
    expect(() => new PoisoningMatrix({ ...spec, defences: [{ name: 'loss-sanitisation', params: 0.3 as never }] })).toThrow(/params of defence loss-sanitisation must be an object/);
  });

  test('a defence with parameters gets its own label, and the matrix label names every defence', () => {
    const m = new PoisoningMatrix({ ...spec, attackParams: { sigma: 0.2 }, attack: 'gaussian-noise', defences: ['oracle-filter', { name: 'loss-sanitisation', params: { fraction: 0.3 } }] });
    expect(m.spec.defences.map((d) => d.label)).toEqual(['oracle-filter', 'loss-sanitisation(fraction=0.3)']);
    expect(m.label).toBe('pdarts × gaussian-noise(sigma=0.2) + oracle-filter, loss-sanitisation(fraction=0.3)');
  });

  test('the plan: control, the undefended arm and one arm per defence, interleaved by trial index', () => {
    const m = new PoisoningMatrix({ ...spec, defences: ['oracle-filter'] });
    expect(planMatrix(m.spec, 2).map((p) => `${armKey(p.attack, p.budget, p.defence)}#${p.trialIndex}`)).toEqual([
      'clean@0#0',
      'random-label-flip@0.5#0',
      'random-label-flip@0.5+oracle-filter#0',
      'clean@0#1',
      'random-label-flip@0.5#1',
      'random-label-flip@0.5+oracle-filter#1',
    ]);
  });

  test('defences and sequential trials are refused together', () => {
    expect(() => new PoisoningMatrix({ ...spec, defences: ['oracle-filter'], trials: { min: 3, max: 9 } })).toThrow(/defences cannot be combined with sequential trials/);
  });
});

describe('reading defended arms', () => {
  const m = new PoisoningMatrix({ ...spec, defences: ['oracle-filter'] });
  const arm = (attack: string, budget: number, defence: string, accuracies: number[]): TrialRecord[] =>
    accuracies.map((a, i) => ({ ...syntheticTrial(attack, budget, i, a), defence, trialKey: `${attack}${budget}${defence}${i}`.padEnd(64, '0') }));
  const arms = new Map<string, TrialRecord[]>([
    [armKey(CLEAN, 0), arm(CLEAN, 0, 'none', [80, 81, 79, 80, 81, 79])],
    [armKey('random-label-flip', 0.5), arm('random-label-flip', 0.5, 'none', [70, 71, 69, 70, 71, 69])],
    [armKey('random-label-flip', 0.5, 'oracle-filter'), arm('random-label-flip', 0.5, 'oracle-filter', [79, 80, 78, 79, 80, 78])],
  ]);
  const results: MatrixResults = { label: m.label, spec: m.spec, trials: 6, arms, errored: [], trialKeys: [], ranTrials: 0, reusedTrials: 0 };
  m.useResults(results);

  test('defended(d) reads the defended arm; an undeclared defence or a defended control is refused', () => {
    expect(m.cell(0.5).defended('oracle-filter').accuracy.values()).toEqual([79, 80, 78, 79, 80, 78]);
    expect(m.cell(0.5).defended('oracle-filter').accuracy.label).toBe('Acc at 50% random-label-flip + oracle-filter (pdarts)');
    expect(() => m.cell(0.5).defended('loss-sanitisation')).toThrow(/defence "loss-sanitisation" is not declared in this matrix \(declared: oracle-filter\)/);
    expect(() => m.control.defended('oracle-filter')).toThrow(/only an undefended poisoned arm has defended arms/);
  });

  test('the harm family holds the undefended arm only; defended against undefended is its own hypothesis', () => {
    expect(m.family().map((f) => `${f.budget}:${f.metric}`)).toEqual(['0.5:accuracy', '0.5:deltaImprovement']);
    const defended = m.cell(0.5).defended('oracle-filter').deltaImprovement;
    const recovery = assess(defended, m.cell(0.5).deltaImprovement, 'greater', null);
    expect(recovery.inFamily).toBe(false);
    expect(recovery.decision.verdict).toBe('harm-shown'); // "an effect in the tested direction": ΔImp recovered
    expect(m.member(defended, m.control.deltaImprovement, 'less')).toBeUndefined();
  });
});
