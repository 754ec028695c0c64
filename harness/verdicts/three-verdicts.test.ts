// The three-verdict rule: planted cases, the trials-needed figure, and calibration of both tests
// at the boundary of their nulls (no effect for the effect test; a shift of exactly δ for the
// margin test), where each may reject only at the rate α says.
import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { trialsNeeded } from '../stats/index.js';
import { correctFamily, decide, hypothesisTests } from './index.js';

const ALPHA = 0.05;
const decideOne = (a: number[], b: number[], margin: number | null, planningSd?: number) =>
  decide(correctFamily([{ key: 'h', tests: hypothesisTests(a, b, 'less', margin, { alpha: ALPHA }) }])[0]!, ALPHA, planningSd === undefined ? {} : { planningSd });

describe('three verdicts', () => {
  test('a large drop: harm shown', () => {
    const d = decideOne([70.1, 70.6, 69.8, 70.3], [80.2, 79.7, 80.5, 80.1], 1);
    expect(d.verdict).toBe('harm-shown');
    expect(d.effectShown).toBe(true);
    expect(d.withinMargin).toBe(false);
  });

  test('tight, equal arms: no harm beyond the margin', () => {
    const d = decideOne([80.0, 80.1, 79.9, 80.05, 79.95], [80.02, 79.98, 80.1, 79.9, 80.0], 1);
    expect(d.verdict).toBe('no-harm-beyond-margin');
    expect(d.withinMargin).toBe(true);
  });

  test('a small but certain drop inside the margin is harm shown, and within the margin', () => {
    const d = decideOne([79.7, 79.71, 79.69, 79.7], [80.0, 80.01, 79.99, 80.0], 1);
    expect(d.verdict).toBe('harm-shown');
    expect(d.withinMargin).toBe(true);
  });

  test('noisy arms at n = 3: inconclusive, with the MDE and the trials that would decide it', () => {
    const d = decideOne([78.1, 80.9, 79.4], [80.3, 77.9, 81.2], 1);
    expect(d.verdict).toBe('inconclusive');
    expect(d.mde).toBeGreaterThan(1);
    expect(d.trialsNeeded).toBeGreaterThan(3);
    expect(d.planningSdSource).toBe('observed');
    // A calibrated sd is a floor: a larger one decides the figure, a smaller one does not.
    const calibrated = decideOne([78.1, 80.9, 79.4], [80.3, 77.9, 81.2], 1, 3);
    expect(calibrated.trialsNeeded).toBe(trialsNeeded(1, 3, ALPHA, 0.8, { max: 10_000 }).n);
    expect(calibrated.planningSdSource).toBe('calibration');
    expect(decideOne([78.1, 80.9, 79.4], [80.3, 77.9, 81.2], 1, 0.1).trialsNeeded).toBe(d.trialsNeeded);
  });

  test('without a margin nothing but harm can be decided, and the trials needed target the observed drop', () => {
    const d = decideOne([79.0, 80.2, 79.5], [80.3, 79.9, 81.2], null);
    expect(d.verdict).toBe('inconclusive');
    expect(d.margin).toBeNull();
    expect(d.trialsNeeded).not.toBeNull();
    const rising = decideOne([81.0, 82.2, 81.5], [80.3, 79.9, 81.2], null);
    expect(rising.trialsNeeded).toBeNull();
  });

  test('fewer than two trials: insufficient data', () => {
    expect(decideOne([80], [80, 81], 1).verdict).toBe('insufficient-data');
  });
});

describe('calibration of the rule (2,000 repetitions, n = 5 per arm, one hypothesis)', () => {
  const REPS = 2000;
  const halfWidth = 3.29 * Math.sqrt((ALPHA * (1 - ALPHA)) / REPS); // 99.9% binomial interval
  function rates(shift: number, seed: number) {
    const rng = new Rng(seed);
    const counts = { 'harm-shown': 0, 'no-harm-beyond-margin': 0, inconclusive: 0, 'insufficient-data': 0 };
    for (let r = 0; r < REPS; r++) {
      const a = Array.from({ length: 5 }, () => 80 + shift + rng.normal());
      const b = Array.from({ length: 5 }, () => 80 + rng.normal());
      counts[decideOne(a, b, 1).verdict]++;
    }
    return { harm: counts['harm-shown'] / REPS, within: counts['no-harm-beyond-margin'] / REPS };
  }

  test('no effect: harm is shown at most at rate α (Welch at n = 5 is slightly conservative)', () => {
    const { harm } = rates(0, 21);
    expect(harm).toBeLessThan(ALPHA + halfWidth);
    expect(harm).toBeGreaterThan(ALPHA - 2 * halfWidth);
  });

  test('a drop of exactly δ: "no harm beyond δ" is concluded at most at rate α', () => {
    const { within } = rates(-1, 22);
    expect(within).toBeLessThan(ALPHA + halfWidth);
    expect(within).toBeGreaterThan(ALPHA - 2 * halfWidth);
  });
});
