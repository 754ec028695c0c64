import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { minimumDetectableDifference, noncentralTCdf, powerOneSidedWelch, trialsNeeded } from './index.js';

// References: scipy.stats.nct (Boost) for the noncentral-t CDF and the one-sided Welch power
// (nct.sf(t.ppf(1 − α, ν), ν, effect/se)); trials needed by search, from
// fixtures/scripts/make-power-references.py.
interface PowerReferences {
  nctCdf: Array<{ t: number; df: number; nc: number; cdf: number }>;
  power: Array<{ effect: number; sdA: number; sdB: number; nA: number; nB: number; alpha: number; df: number; power: number }>;
  trialsNeeded: Array<{ effect: number; sd: number; alpha: number; power: number; max: number; nMde: number | null; nNct: number | null }>;
}
const ref = JSON.parse(readFileSync(new URL('../../fixtures/stats/power-references.json', import.meta.url), 'utf8')) as PowerReferences;

describe('noncentral t CDF matches scipy.stats.nct.cdf', () => {
  test.each(ref.nctCdf.map((c) => [`t=${c.t} df=${c.df} nc=${c.nc}`, c] as const))('%s', (_name, c) => {
    expect(Math.abs(noncentralTCdf(c.t, c.df, c.nc) - c.cdf)).toBeLessThan(1e-12);
  });

  test('is a CDF: 0 and 1 at ±∞, Student t at δ = 0, increasing in t, decreasing in δ', () => {
    expect(noncentralTCdf(-Infinity, 5, 1)).toBe(0);
    expect(noncentralTCdf(Infinity, 5, 1)).toBe(1);
    let previous = 0;
    for (let t = -6; t <= 12; t += 0.5) {
      const p = noncentralTCdf(t, 7.5, 2);
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    expect(noncentralTCdf(1, 5, 0.5)).toBeGreaterThan(noncentralTCdf(1, 5, 1.5));
  });

  test('rejects df ≤ 0 and a non-finite δ', () => {
    expect(() => noncentralTCdf(1, 0, 1)).toThrow(RangeError);
    expect(() => noncentralTCdf(1, 3, Infinity)).toThrow(RangeError);
  });
});

describe('one-sided Welch power matches scipy (noncentral t)', () => {
  test.each(ref.power.map((c) => [`effect=${c.effect} sd=${c.sdA}/${c.sdB} n=${c.nA}/${c.nB} α=${c.alpha}`, c] as const))('%s', (_name, c) => {
    expect(Math.abs(powerOneSidedWelch(c.effect, c.sdA, c.sdB, c.nA, c.nB, c.alpha) - c.power)).toBeLessThan(1e-10);
  });

  test('is α at no effect, grows with the effect and with n, and is 1/0 when both sds are 0', () => {
    expect(powerOneSidedWelch(0, 1, 2, 4, 6, 0.05)).toBeCloseTo(0.05, 12);
    expect(powerOneSidedWelch(2, 1, 1, 5, 5)).toBeGreaterThan(powerOneSidedWelch(1, 1, 1, 5, 5));
    expect(powerOneSidedWelch(1, 1, 1, 10, 10)).toBeGreaterThan(powerOneSidedWelch(1, 1, 1, 5, 5));
    expect(powerOneSidedWelch(0.1, 0, 0, 3, 3)).toBe(1);
    expect(powerOneSidedWelch(0, 0, 0, 3, 3)).toBe(0);
  });

  test('at the MDE the noncentral-t power is close to the target (the MDE is the shifted-central-t approximation)', () => {
    for (const [sd, n] of [[1, 3], [2.5, 5], [1, 10], [0.7, 30]] as const) {
      const power = powerOneSidedWelch(minimumDetectableDifference(sd, sd, n, n), sd, sd, n, n);
      expect(power).toBeGreaterThan(0.78);
      expect(power).toBeLessThan(0.81);
    }
  });
});

describe('trialsNeeded', () => {
  test.each(ref.trialsNeeded.map((c) => [`effect=${c.effect} sd=${c.sd} α=${c.alpha} power=${c.power}`, c] as const))('%s matches the search over MDE(n)', (_name, c) => {
    const r = trialsNeeded(c.effect, c.sd, c.alpha, c.power, { max: c.max });
    expect(r.n).toBe(c.nMde);
    if (r.n !== null && c.nNct !== null) {
      // The noncentral-t answer differs by at most one trial here.
      expect(Math.abs(r.n - c.nNct)).toBeLessThanOrEqual(1);
      expect(r.mde).toBeLessThanOrEqual(c.effect);
      // Smallest: one trial fewer would not do.
      if (r.n > 2) expect(minimumDetectableDifference(c.sd, c.sd, r.n - 1, r.n - 1, c.alpha, c.power)).toBeGreaterThan(c.effect);
    }
    if (r.n === null) expect(r.reason).toContain(`${c.max}`);
  });

  test('no positive effect: null with a reason; sd 0: the minimum, 2', () => {
    const none = trialsNeeded(0, 1);
    expect(none.n).toBeNull();
    if (none.n === null) expect(none.reason).toMatch(/no positive effect/);
    expect(trialsNeeded(1, 0).n).toBe(2);
  });

  test('rejects bad arguments', () => {
    expect(() => trialsNeeded(1, -1)).toThrow(RangeError);
    expect(() => trialsNeeded(1, 1, 0)).toThrow(RangeError);
    expect(() => trialsNeeded(1, 1, 0.05, 1)).toThrow(RangeError);
    expect(() => trialsNeeded(1, 1, 0.05, 0.8, { max: 1 })).toThrow(RangeError);
  });
});
