import { describe, expect, test } from 'vitest';
import { benjaminiHochberg, welchOneSided } from '../stats/index.js';
import { buildRunResults } from './build.js';
import { buildExampleResults, exampleTrials } from './fixtures/example-trials.js';
import { validateResults } from './schema.js';
import { loadExampleResults } from './test-utils.js';
import type { BuildOptions } from './build.js';
import type { TrialRecord } from '../store/types.js';

const OPTIONS: BuildOptions = {
  protocolVersion: 'test-protocol/1',
  run: {
    id: 'test-run',
    createdAt: '2025-01-31T12:00:00Z',
    dataset: { name: 'synthetic', source: 'generated', hash: 'sha256:00', trainSize: 100, testSize: 20, resolution: 8 },
  },
  randomBaseline: { samples: 24, mean: 82.35, sd: 4.87, recipe: 'nb201-smoke-12ep' },
};

describe('building the results JSON from trial rows', () => {
  test('the committed fixture is exactly what the builder makes of the example trials', () => {
    expect(buildExampleResults()).toEqual(loadExampleResults());
  });

  test('one cell per (nas, attack, budget, defence) in report order, controls first, errored trials counted but not used', () => {
    const results = loadExampleResults();
    expect(results.cells.map((c) => c.id)).toEqual([
      'pdarts/clean/0/none',
      'pdarts/random-label-flip/0.01/none',
      'pdarts/random-label-flip/0.1/none',
      'pdarts/random-label-flip/0.5/none',
      'pdarts/random-label-flip/0.5/loss-sanitisation',
    ]);
    const defended = results.cells[4];
    expect(defended).toMatchObject({ n: 1, errored: 2, accuracy: { mean: 85.3, sd: null, values: [85.3] } });
    expect(defended?.trialKeys).toHaveLength(3);
    expect(Object.keys(results.cells[0]?.diagnostics ?? {})).toEqual(['searchSeconds', 'skipConnections']); // strings are skipped
  });

  test('comparisons are the Welch tests of each cell against its control, with BH across the whole run', () => {
    const results = loadExampleResults();
    const control = results.cells[0];
    const half = results.cells[3];
    const c = results.comparisons.find((x) => x.id === 'pdarts/random-label-flip/0.5/none:deltaImprovement');
    const direct = welchOneSided(half?.deltaImprovement.values ?? [], control?.deltaImprovement.values ?? [], 'less');
    expect(c?.comparison.state).toBe('computed');
    if (c?.comparison.state !== 'computed' || direct.state !== 'computed') throw new Error('unreachable');
    expect(c.comparison.p).toBeCloseTo(direct.p, 14);
    expect(c.comparison.mde).toBeCloseTo(direct.mde, 14);
    const computed = results.comparisons.filter((x) => x.comparison.state === 'computed');
    expect(computed).toHaveLength(9);
    // ΔImp vs control is the accuracy hypothesis again (ΔImp = accuracy − a constant): BH by hand
    // over the 6 distinct ones, and each ΔImp comparison carries its cell's accuracy q.
    const distinct = computed.filter((x) => x.metric !== 'deltaImprovement');
    expect(distinct).toHaveLength(6);
    const q = benjaminiHochberg(distinct.map((x) => (x.comparison.state === 'computed' ? x.comparison.p : NaN)));
    const qOf = new Map(distinct.map((x, i) => [`${x.cell}:${x.metric === 'accuracy' ? 'acc' : x.metric}`, q[i] as number]));
    for (const x of computed) {
      if (x.comparison.state !== 'computed') continue;
      expect(x.comparison.q).toBeCloseTo(qOf.get(`${x.cell}:${x.metric === 'skipConnections' ? 'skipConnections' : 'acc'}`)!, 14);
    }
    expect(results.run.family).toBe(
      'two families: the effect tests of all 6 distinct hypotheses tested in this run, and the margin tests of the 3 with a declared margin δ (ΔImp and accuracy against the same control are one hypothesis: ΔImp is accuracy minus a constant); the 3 comparisons with insufficient data have no p-value and are not counted',
    );
  });

  test('margin tests are non-inferiority Welch tests at Δ₀ = −δ, corrected as their own family', () => {
    const results = loadExampleResults();
    const control = results.cells[0]!;
    const withMargin = results.comparisons.filter((x) => x.margin !== null && x.bound?.state === 'computed' && x.metric === 'accuracy');
    expect(withMargin.map((x) => x.cell)).toEqual(['pdarts/random-label-flip/0.01/none', 'pdarts/random-label-flip/0.1/none', 'pdarts/random-label-flip/0.5/none']);
    const direct = withMargin.map((x) => {
      const cell = results.cells.find((c) => c.id === x.cell)!;
      const t = welchOneSided(cell.accuracy.values, control.accuracy.values, 'greater', { nullDifference: -2 });
      if (t.state !== 'computed' || x.bound?.state !== 'computed') throw new Error('unreachable');
      expect(x.bound.p).toBeCloseTo(t.p, 14);
      expect(x.bound.nullDifference).toBe(-2);
      return t.p;
    });
    const q = benjaminiHochberg(direct);
    withMargin.forEach((x, i) => expect(x.bound?.state === 'computed' && x.bound.q).toBeCloseTo(q[i]!, 14));
    // skipConnections has no declared margin: no margin test, and only harm can be decided.
    const skip = results.comparisons.find((x) => x.id === 'pdarts/random-label-flip/0.1/none:skipConnections')!;
    expect(skip.margin).toBeNull();
    expect(skip.bound).toBeUndefined();
    expect(results.comparisons.map((x) => x.verdict)).toEqual([
      'no-harm-beyond-margin', 'no-harm-beyond-margin', 'inconclusive',
      'inconclusive', 'inconclusive', 'inconclusive',
      'harm-shown', 'harm-shown', 'harm-shown',
      'insufficient-data', 'insufficient-data', 'insufficient-data',
    ]);
  });

  test('ΔImp and accuracy are one hypothesis: their margins must agree', () => {
    expect(() => buildRunResults(exampleTrials(), { ...OPTIONS, margins: { accuracy: 1, deltaImprovement: 2 } })).toThrow(
      /the margins of accuracy \(1\) and deltaImprovement \(2\) differ, but they are one hypothesis/,
    );
    // Either may declare it for both.
    const results = buildRunResults(exampleTrials(), { ...OPTIONS, margins: { deltaImprovement: 1 } });
    expect(new Set(results.comparisons.map((c) => c.margin))).toEqual(new Set([1]));
  });

  test('a poisoned cell without a clean control is an error that names the missing control', () => {
    const trials = exampleTrials().filter((t) => t.attack !== 'clean');
    expect(() => buildRunResults(trials, OPTIONS)).toThrow(/cell pdarts\/random-label-flip\/0\.01\/none has no clean control \(pdarts\/clean\/0\/none\)/);
  });

  test('trials that disagree on the code version must be labelled explicitly', () => {
    const trials = exampleTrials().map((t, i): TrialRecord => (i === 0 ? { ...t, codeVersion: 'abc1234-dirty' } : t));
    expect(() => buildRunResults(trials, OPTIONS)).toThrow(/disagree on the code version \("abc1234-dirty" vs "9c22c03"\)/);
    expect(buildRunResults(trials, { ...OPTIONS, run: { ...OPTIONS.run, codeVersion: 'mixed' } }).run.codeVersion).toBe('mixed');
  });

  test('zero-variance arms with different means serialise infinite t and g as strings and still validate', () => {
    const trials = exampleTrials()
      .filter((t) => t.defence === 'none' && (t.attack === 'clean' || t.budget === 0.5))
      .map((t): TrialRecord => {
        const accuracy = t.attack === 'clean' ? 88 : 84;
        return { ...t, accuracy, deltaImprovement: accuracy - 82.35 };
      });
    const results = buildRunResults(trials, OPTIONS);
    const c = results.comparisons[0]?.comparison;
    expect(c).toMatchObject({ state: 'computed', t: '-Infinity', hedgesG: '-Infinity', p: 0, zeroVariance: true });
    expect(() => validateResults(JSON.parse(JSON.stringify(results)))).not.toThrow();
    expect(results.comparisons[0]?.interpretation).toBe('Harm shown (accuracy −4.0 pp, q < 1e-4).');
    expect(results.comparisons[0]?.verdict).toBe('harm-shown');
  });
});
