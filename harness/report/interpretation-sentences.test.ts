import { describe, expect, test } from 'vitest';
import { trialsNeeded } from '../stats/index.js';
import type { TrialRecord } from '../store/types.js';
import { buildRunResults } from './build.js';
import { exampleTrials } from './fixtures/example-trials.js';
import { formatAdaptive, formatBudget, formatChange, formatMargin, formatMeanSd, formatNumber, formatP, formatPEquals, formatPp, verdictLabel } from './interpret.js';
import type { ComparisonResult } from './types.js';
import { loadExampleResults } from './test-utils.js';

describe('number formatting', () => {
  test('p and q keep two significant digits and print tiny values as <1e-4', () => {
    expect(formatP(0.41)).toBe('0.41');
    expect(formatP(0.0421)).toBe('0.042');
    expect(formatP(0.00421)).toBe('0.0042');
    expect(formatP(0.0001)).toBe('0.00010');
    expect(formatP(0.00009)).toBe('<1e-4');
    expect(formatP(0)).toBe('<1e-4');
    expect(formatP(1)).toBe('1.0');
    expect(formatP(null)).toBe('—');
    expect(formatPEquals('q', 0.004)).toBe('q = 0.0040');
    expect(formatPEquals('p', 1e-7)).toBe('p < 1e-4');
  });

  test('percentage points carry an explicit sign and a Unicode minus', () => {
    expect(formatPp(3.14)).toBe('+3.1 pp');
    expect(formatPp(-3.14)).toBe('\u22123.1 pp');
    expect(formatPp(-0.01)).toBe('0.0 pp');
    expect(formatPp(0)).toBe('0.0 pp');
    expect(formatNumber(-0.004, 2)).toBe('0.00');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatChange(-1.23, 'deltaImprovement')).toBe('\u22121.2 pp');
    expect(formatChange(0.333, 'skipConnections')).toBe('+0.33');
    expect(formatAdaptive(123.4)).toBe('123');
    expect(formatAdaptive(0.0421)).toBe('0.042');
  });

  test('budgets print as percentages and summaries as mean ± sd', () => {
    expect(formatBudget(0.01)).toBe('1%');
    expect(formatBudget(0.1)).toBe('10%');
    expect(formatBudget(0.005)).toBe('0.5%');
    expect(formatBudget(0)).toBe('0%');
    expect(formatMeanSd({ mean: 87.966, sd: 0.602, values: [1, 2, 3] })).toBe('87.97 ± 0.60');
    expect(formatMeanSd({ mean: 85.3, sd: null, values: [85.3] })).toBe('85.30 (n = 1)');
    expect(formatMeanSd({ mean: null, sd: null, values: [] })).toBe('—');
  });
});

/** One poisoned cell against its control through the whole builder (hypothesisTests → correctFamily → decide). */
function planted(poisoned: number[], control: number[], margin: number | null, planningSd?: number): ComparisonResult {
  const template = exampleTrials()[0] as TrialRecord;
  const rows = (attack: string, budget: number, values: number[]) =>
    values.map((accuracy, trialIndex): TrialRecord => ({ ...template, attack, budget, trialIndex, trialKey: `${attack}-${trialIndex}`, accuracy, deltaImprovement: accuracy - 82.35 }));
  const results = buildRunResults([...rows('clean', 0, control), ...rows('random-label-flip', 0.5, poisoned)], {
    protocolVersion: 'test/1',
    run: { id: 'planted', createdAt: '2025-01-31T12:00:00Z', dataset: { name: 'd', source: 's', hash: 'h', trainSize: 10, testSize: 10, resolution: 8 } },
    randomBaseline: { samples: 24, mean: 82.35, sd: 4.87, recipe: 'r' },
    metrics: ['deltaImprovement'],
    ...(margin !== null ? { margins: { deltaImprovement: margin } } : {}),
    ...(planningSd !== undefined ? { planningSd: { deltaImprovement: planningSd } } : {}),
  });
  return results.comparisons[0]!;
}

describe('interpretation sentences of the three verdicts (planted values)', () => {
  test('harm shown: the change, q and g', () => {
    const c = planted([70.1, 70.6, 69.8, 70.3], [80.2, 79.7, 80.5, 80.1], 1);
    expect(c.verdict).toBe('harm-shown');
    expect(c.withinMargin).toBe(false);
    expect(c.interpretation).toMatch(/^Harm shown \(ΔImp −9\.9 pp, q [=<] [\d.e-]+, g = −[\d.]+\)\.$/);
  });

  test('harm shown, within the margin: a real but smaller drop than δ', () => {
    const c = planted([79.7, 79.71, 79.69, 79.7], [80.0, 80.01, 79.99, 80.0], 1);
    expect(c.verdict).toBe('harm-shown');
    expect(c.withinMargin).toBe(true);
    expect(c.interpretation).toMatch(/^Harm shown, within the 1 pp margin \(ΔImp −0\.3 pp, q [=<] [\d.e-]+, g = −[\d.]+; margin test q [=<] [\d.e-]+\): a real drop, smaller than δ\.$/);
  });

  test('no harm beyond δ: the margin test q and the effect test q', () => {
    const c = planted([80.0, 80.1, 79.9, 80.05, 79.95], [80.02, 79.98, 80.1, 79.9, 80.0], 1);
    expect(c.verdict).toBe('no-harm-beyond-margin');
    expect(c.interpretation).toMatch(/^No harm beyond 1 pp \(ΔImp 0 pp; margin test q [=<] [\d.e-]+, effect test q = [\d.]+\)\.$/);
  });

  test('inconclusive: the MDE and the trials per arm that would decide it at δ', () => {
    const c = planted([78.1, 80.9, 79.4], [80.3, 77.9, 81.2], 1);
    expect(c.verdict).toBe('inconclusive');
    const mde = c.comparison.state === 'computed' ? c.comparison.mde : NaN;
    expect(c.trialsNeeded).toBe(trialsNeeded(1, c.planningSd!, 0.05).n);
    expect(c.interpretation).toBe(
      `Inconclusive (ΔImp −0.33 pp, q = ${formatP(c.comparison.state === 'computed' ? c.comparison.q : 1)}; margin test q = ${formatP(c.bound?.state === 'computed' ? c.bound.q : 1)}): ` +
        `only a drop ≥ ${formatAdaptive(mde)} pp was detectable with n = 3 per arm at 80% power; about ${c.trialsNeeded} trials per arm would decide it at δ = 1 pp (at these arms' pooled sd of ${formatAdaptive(c.planningSd!)} pp).`,
    );
    // A calibrated sd larger than the arms' own is the floor of the figure, and the sentence says so.
    const calibrated = planted([78.6, 79.9, 79.2], [79.9, 80.3, 79.1], 1, 2);
    expect(calibrated.planningSdSource).toBe('calibration');
    expect(calibrated.trialsNeeded).toBe(trialsNeeded(1, 2, 0.05).n);
    expect(calibrated.interpretation).toContain(`about ${calibrated.trialsNeeded} trials per arm would decide it at δ = 1 pp (at the tier's calibrated sd of 2.0 pp, larger than these arms' own)`);
  });

  test('inconclusive without a margin: the trials that would detect the observed drop, and a hint to declare δ', () => {
    const c = planted([79.0, 80.2, 79.5], [80.3, 79.9, 81.2], null);
    expect(c.verdict).toBe('inconclusive');
    expect(c.margin).toBeNull();
    expect(c.bound).toBeUndefined();
    expect(c.interpretation).toMatch(/^Inconclusive \(ΔImp −0\.9 pp, q = [\d.]+; no margin δ declared for ΔImp\): only a drop ≥ [\d.]+ pp was detectable .*; about \d+ trials per arm would detect the observed drop of 0\.9 pp .*; declare a margin to be able to show no harm\.$/);
  });

  test('insufficient data gives no verdict and names both arm sizes', () => {
    const c = planted([80], [80, 81, 80.5], 1);
    expect(c.verdict).toBe('insufficient-data');
    expect(c.interpretation).toBe(
      "Insufficient data for ΔImp (n = 1 poisoned, 3 control; Welch's test needs at least 2 per arm): no verdict, neither a pass nor evidence of robustness.",
    );
  });

  test('verdict labels name the margin', () => {
    expect(verdictLabel('harm-shown')).toBe('harm shown');
    expect(verdictLabel('no-harm-beyond-margin', 0.5, 'accuracy')).toBe('no harm beyond 0.5 pp');
    expect(verdictLabel('no-harm-beyond-margin', 1, 'skipConnections')).toBe('no harm beyond 1');
    expect(verdictLabel('inconclusive')).toBe('inconclusive');
    expect(formatMargin(1, 'deltaImprovement')).toBe('1 pp');
  });

  test('every inconclusive comparison of the fixture states its MDE', () => {
    const results = loadExampleResults();
    const inconclusive = results.comparisons.filter((c) => c.verdict === 'inconclusive');
    expect(inconclusive.length).toBeGreaterThan(0);
    for (const c of inconclusive) expect(c.interpretation).toMatch(/only a (drop|rise) ≥ [\d.]+( pp)? was detectable with n = \d+ .* at 80% power; /);
  });
});
