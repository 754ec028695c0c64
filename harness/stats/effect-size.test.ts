import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { hedgesCorrection, hedgesG, minimumDetectableDifference, welchDf } from './effect.js';
import { binomialAcceptanceRange, expectRelativelyClose, loadReferences, normalSample } from './test-utils.js';
import { welchOneSided } from './welch.js';

// References: numpy/scipy formulas in fixtures/scripts/make-stats-references.py.
const ref = loadReferences();

describe("Hedges' g", () => {
  test('matches the numpy formula with the exact gamma correction', () => {
    for (const r of ref.welch) {
      const a = { n: r.a.length, mean: r.meanA, sd: r.sdA };
      const b = { n: r.b.length, mean: r.meanB, sd: r.sdB };
      expectRelativelyClose(hedgesG(a, b), r.hedgesG, `${r.name} g`, 1e-9);
    }
  });

  test('exact correction J(m) is close to the 1 − 3/(4m − 1) approximation, and exact at small m', () => {
    expect(hedgesCorrection(2)).toBeCloseTo(1 / Math.sqrt(Math.PI), 14); // Γ(1)/(1·Γ(½))
    expect(hedgesCorrection(4)).toBeCloseTo(Math.sqrt(2 / Math.PI), 14); // Γ(2)/(√2·Γ(3/2))
    for (const m of [8, 18, 58]) expect(Math.abs(hedgesCorrection(m) / (1 - 3 / (4 * m - 1)) - 1)).toBeLessThan(6e-4);
    for (const r of ref.welch) {
      const m = r.a.length + r.b.length - 2;
      expectRelativelyClose(r.hedgesG * ((1 - 3 / (4 * m - 1)) / hedgesCorrection(m)), r.hedgesGApprox, `${r.name} approx`, 1e-9);
    }
  });

  test('is negative when A is below B and scales with the difference in pooled sds', () => {
    expect(hedgesG({ n: 5, mean: 0, sd: 1 }, { n: 5, mean: 1, sd: 1 })).toBeCloseTo(-hedgesCorrection(8), 14);
    expect(() => hedgesG({ n: 1, mean: 0, sd: 1 }, { n: 5, mean: 1, sd: 1 })).toThrow(/nA must be an integer ≥ 2/);
  });
});

describe('Welch–Satterthwaite df', () => {
  test('lies between min(n) − 1 and nA + nB − 2', () => {
    expect(welchDf(1, 1, 10, 10)).toBeCloseTo(18, 12);
    expect(welchDf(1, 0, 4, 9)).toBeCloseTo(3, 12);
    expect(welchDf(0, 0, 4, 9)).toBe(11);
    const df = welchDf(0.3, 2.5, 6, 14);
    expect(df).toBeGreaterThan(5);
    expect(df).toBeLessThan(18);
  });
});

describe('minimum detectable difference', () => {
  test('matches (t_{1−α,df} + t_{power,df})·se from scipy', () => {
    for (const r of ref.welch) {
      const mde = minimumDetectableDifference(r.sdA, r.sdB, r.a.length, r.b.length, ref.alpha, ref.power);
      expectRelativelyClose(mde, r.mde, `${r.name} mde`);
    }
  });

  test('the approximation gives noncentral-t power within [0.78, 0.81] of the nominal 0.8', () => {
    for (const r of ref.welch) {
      expect(r.powerAtMdeNct, r.name).toBeGreaterThan(0.78);
      expect(r.powerAtMdeNct, r.name).toBeLessThan(0.81);
    }
  });

  test('shrinks with n, grows with sd, and is 0 without spread', () => {
    expect(minimumDetectableDifference(1, 1, 20, 20)).toBeLessThan(minimumDetectableDifference(1, 1, 10, 10));
    expect(minimumDetectableDifference(2, 1, 10, 10)).toBeGreaterThan(minimumDetectableDifference(1, 1, 10, 10));
    expect(minimumDetectableDifference(0, 0, 3, 3)).toBe(0);
    expect(() => minimumDetectableDifference(1, 1, 10, 10, 0.05, 1)).toThrow(/power must be in \(0, 1\)/);
    expect(() => minimumDetectableDifference(-1, 1, 10, 10)).toThrow(/sdA must be a finite number ≥ 0/);
  });

  test('a true shift equal to the MDE is detected about 80% of the time (n = 10, sd = 1, 2,000 runs)', () => {
    const runs = 2000;
    const mde = minimumDetectableDifference(1, 1, 10, 10);
    const rng = new Rng(2024).child('mde-power');
    const draw = (): number => rng.normal();
    let rejections = 0;
    for (let i = 0; i < runs; i++) {
      const c = welchOneSided(normalSample(draw, 10, -mde), normalSample(draw, 10), 'less');
      if (c.state === 'computed' && c.p < 0.05) rejections++;
    }
    const { low, high } = binomialAcceptanceRange(runs, 0.8, 0.999);
    expect(rejections).toBeGreaterThanOrEqual(low);
    expect(rejections).toBeLessThanOrEqual(high);
  });
});
