import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { normalCdf, normalQuantile } from './distributions.js';
import {
  groupSequentialBoundaries,
  planLooks,
  sequentialLook,
  spendingFunction,
  stagewiseAdjustedP,
  type SpendingShape,
} from './group-sequential.js';
import { binomialAcceptanceRange } from './test-utils.js';

const SHAPES: SpendingShape[] = ['obrien-fleming', 'pocock'];

/** One H0 path of z-statistics at the fractions: Z_k = B(t_k)/√t_k. */
function nullPath(rng: Rng, fractions: readonly number[]): number[] {
  let b = 0;
  let previous = 0;
  return fractions.map((t) => {
    b += Math.sqrt(t - previous) * rng.normal();
    previous = t;
    return b / Math.sqrt(t);
  });
}

describe('validation names the offending value', () => {
  test.each([
    [[0.5, 0.5], /fraction 1 is 0.5 after 0.5/],
    [[0.6, 0.4], /fraction 1 is 0.4 after 0.6/],
    [[0, 1], /fraction 0 must be in \(0, 1\], got 0/],
    [[0.5, 1.2], /fraction 1 must be in \(0, 1\], got 1.2/],
    [[Number.NaN], /got NaN/],
    [[], /got \[\]/],
  ])('fractions %j', (fractions, message) => {
    expect(() => groupSequentialBoundaries(fractions, 0.05, 'pocock')).toThrow(RangeError);
    expect(() => groupSequentialBoundaries(fractions, 0.05, 'pocock')).toThrow(message);
  });

  test('alpha, shape, t and p', () => {
    expect(() => groupSequentialBoundaries([1], 1.5, 'pocock')).toThrow(/alpha must be in \(0, 1\), got 1.5/);
    expect(() => groupSequentialBoundaries([1], 0, 'pocock')).toThrow(/got 0/);
    expect(() => groupSequentialBoundaries([1], 0.05, 'linear' as SpendingShape)).toThrow(/got linear/);
    expect(() => spendingFunction(1.5, 0.05, 'pocock')).toThrow(/t must be in \(0, 1\], got 1.5/);
    expect(() => stagewiseAdjustedP([1], 0.05, 'pocock', -0.1)).toThrow(/p must be in \[0, 1\], got -0.1/);
  });

  test('planLooks', () => {
    expect(() => planLooks(1, 10)).toThrow(/min must be an integer ≥ 2, got 1/);
    expect(() => planLooks(2.5, 10)).toThrow(/got 2.5/);
    expect(() => planLooks(5, 4)).toThrow(/max must be an integer ≥ min \(5\), got 4/);
    expect(() => planLooks(3, 10, 0)).toThrow(/step must be a positive integer, got 0/);
  });

  test('sequentialLook', () => {
    const design = { maxN: 10, alpha: 0.05, shape: 'pocock' as const };
    expect(() => sequentialLook([], design)).toThrow(/got \[\]/);
    expect(() => sequentialLook([{ nA: 1, nB: 4, p: 0.5 }], design)).toThrow(/look 1 nA must be an integer ≥ 2, got 1/);
    expect(() => sequentialLook([{ nA: 4, nB: 4, p: 1.5 }], design)).toThrow(/look 1 p must be in \[0, 1\], got 1.5/);
    expect(() => sequentialLook([{ nA: 4, nB: 4, p: 0.5 }], { ...design, maxN: 1 })).toThrow(/maxN must be an integer ≥ 2, got 1/);
    expect(() =>
      sequentialLook(
        [
          { nA: 4, nB: 4, p: 0.5 },
          { nA: 4, nB: 4, p: 0.4 },
        ],
        design,
      ),
    ).toThrow(/look 2 \(nA 4, nB 4\) has fraction 0.4 after 0.4/);
    expect(() =>
      sequentialLook(
        [
          { nA: 10, nB: 10, p: 0.5 },
          { nA: 12, nB: 12, p: 0.4 },
        ],
        design,
      ),
    ).toThrow(/look 1 already reached maxN = 10/);
    expect(() =>
      sequentialLook(
        [
          { nA: 4, nB: 4, p: 1e-6 },
          { nA: 6, nB: 6, p: 0.4 },
        ],
        design,
      ),
    ).toThrow(/look 1 already crossed its boundary \(p 0.000001/);
  });
});

describe('boundaries', () => {
  test.each(SHAPES)('K = 1 reduces to the fixed-sample z_{1−α} (%s)', (shape) => {
    for (const alpha of [0.01, 0.025, 0.05, 0.1]) {
      const b = groupSequentialBoundaries([1], alpha, shape);
      expect(b.z[0]).toBeCloseTo(normalQuantile(1 - alpha), 12);
      expect(b.nominalP[0]).toBeCloseTo(alpha, 14);
      expect(b.spent).toEqual([alpha]);
    }
  });

  test("O'Brien–Fleming boundaries decrease; Pocock ones are nearly flat and above z_{1−α}", () => {
    for (const fractions of [[0.5, 1], [0.25, 0.5, 0.75, 1], [0.1, 0.3, 0.35, 0.8, 1], [0.2, 0.4, 0.6, 0.8, 1]]) {
      const obf = groupSequentialBoundaries(fractions, 0.05, 'obrien-fleming').z;
      for (let k = 1; k < obf.length; k++) expect(obf[k] as number).toBeLessThan(obf[k - 1] as number);
      expect(obf[obf.length - 1] as number).toBeGreaterThan(normalQuantile(0.95));
      const pocock = groupSequentialBoundaries(fractions, 0.05, 'pocock').z;
      for (const c of pocock) expect(c).toBeGreaterThan(normalQuantile(0.95));
    }
    // Equally spaced looks: Pocock-type spending gives nearly constant boundaries.
    for (const K of [2, 3, 5, 8]) {
      const pocock = groupSequentialBoundaries(Array.from({ length: K }, (_, k) => (k + 1) / K), 0.05, 'pocock').z;
      expect(Math.max(...pocock) - Math.min(...pocock)).toBeLessThan(0.25);
    }
  });

  test.each(SHAPES)('spending is increasing and sums to α at t = 1 (%s)', (shape) => {
    const b = groupSequentialBoundaries([0.1, 0.25, 0.5, 0.9, 1], 0.05, shape);
    for (let k = 1; k < b.spent.length; k++) expect(b.spent[k] as number).toBeGreaterThan(b.spent[k - 1] as number);
    expect(b.spent[4]).toBe(0.05);
    expect(spendingFunction(1, 0.05, shape)).toBe(0.05);
    // The first look spends α(t₁) on its own: its nominal level is exactly that.
    expect(b.nominalP[0]).toBeCloseTo(b.spent[0] as number, 14);
    // A last fraction below 1 spends only α(t_K).
    const partial = groupSequentialBoundaries([0.25, 0.5, 0.8], 0.05, shape);
    expect(partial.spent[2]).toBeCloseTo(spendingFunction(0.8, 0.05, shape), 15);
    expect(partial.spent[2] as number).toBeLessThan(0.05);
  });

  test('earlier boundaries do not depend on later looks (Lan–DeMets flexibility)', () => {
    const planned = groupSequentialBoundaries([0.3, 0.6, 1], 0.05, 'obrien-fleming');
    const moved = groupSequentialBoundaries([0.3, 0.6, 0.7, 1], 0.05, 'obrien-fleming');
    expect(moved.z.slice(0, 2)).toEqual(planned.z.slice(0, 2));
  });

  test.each(SHAPES)('Monte Carlo: the overall type-I error under H0 is α (%s)', (shape) => {
    const fractions = [0.2, 0.35, 0.6, 0.8, 1];
    const { z } = groupSequentialBoundaries(fractions, 0.05, shape);
    const rng = new Rng(20240601);
    const runs = 100_000;
    let rejected = 0;
    for (let r = 0; r < runs; r++) {
      const path = nullPath(rng, fractions);
      if (path.some((zk, k) => zk >= (z[k] as number))) rejected++;
    }
    const { low, high } = binomialAcceptanceRange(runs, 0.05, 0.999);
    expect(rejected).toBeGreaterThanOrEqual(low);
    expect(rejected).toBeLessThanOrEqual(high);
  });
});

describe('stagewise adjusted p-value', () => {
  test('with one look it is the p-value itself', () => {
    for (const p of [0, 1e-9, 0.01, 0.05, 0.3, 1]) {
      expect(stagewiseAdjustedP([1], 0.05, 'pocock', p)).toBeCloseTo(p, 12);
    }
  });

  test('stopping earlier is more extreme; monotone in p at a look', () => {
    const fractions = [0.25, 0.5, 0.75, 1];
    const { spent } = groupSequentialBoundaries(fractions, 0.05, 'pocock');
    let last = -1;
    for (const p of [1e-8, 1e-4, 0.005, 0.02, 0.2, 0.9, 1]) {
      const adjusted = stagewiseAdjustedP(fractions, 0.05, 'pocock', p);
      expect(adjusted).toBeGreaterThan(last);
      expect(adjusted).toBeGreaterThan(spent[2] as number); // above all outcomes that stopped at looks 1–3
      last = adjusted;
    }
    expect(stagewiseAdjustedP(fractions, 0.05, 'pocock', 1)).toBeCloseTo(1, 9);
  });

  test.each(SHAPES)('uniform under H0, and ≤ α exactly when a boundary was crossed (%s)', (shape) => {
    const fractions = [0.25, 0.5, 0.75, 1];
    const alpha = 0.05;
    const { nominalP } = groupSequentialBoundaries(fractions, alpha, shape);
    const rng = new Rng(7);
    const runs = 4000;
    const bins = new Array<number>(10).fill(0);
    for (let r = 0; r < runs; r++) {
      const p = nullPath(rng, fractions).map((zk) => normalCdf(-zk));
      let k = p.findIndex((pk, j) => pk <= (nominalP[j] as number));
      const crossed = k >= 0;
      if (!crossed) k = fractions.length - 1;
      const adjusted = stagewiseAdjustedP(fractions.slice(0, k + 1), alpha, shape, p[k] as number);
      expect(adjusted <= alpha, `run ${r}: crossed ${crossed}, adjusted ${adjusted}`).toBe(crossed);
      const bin = Math.min(9, Math.floor(adjusted * 10));
      bins[bin] = (bins[bin] as number) + 1;
    }
    // Each decile holds Binomial(runs, 0.1) counts; 0.9999 acceptance per bin keeps the family loose.
    const { low, high } = binomialAcceptanceRange(runs, 0.1, 0.9999);
    for (const count of bins) {
      expect(count).toBeGreaterThanOrEqual(low);
      expect(count).toBeLessThanOrEqual(high);
    }
  });
});

describe('sequentialLook', () => {
  const design = { maxN: 10, alpha: 0.05, shape: 'obrien-fleming' as const };

  test('continues below the boundary, rejects at or beyond it', () => {
    const { nominalP } = groupSequentialBoundaries([0.4], 0.05, 'obrien-fleming');
    const continuing = sequentialLook([{ nA: 4, nB: 4, p: 0.01 }], design);
    expect(continuing.decision).toBe('continue');
    expect(continuing.adjustedP).toBeUndefined();
    expect(continuing.fractions).toEqual([0.4]);
    expect(continuing.nominalP).toBe(nominalP[0]);
    const rejecting = sequentialLook([{ nA: 4, nB: 4, p: nominalP[0] as number }], design);
    expect(rejecting.decision).toBe('reject');
    expect(rejecting.adjustedP as number).toBeLessThanOrEqual(rejecting.boundaries.spent[0] as number);
  });

  test('errored trials: fractions from the information actually observed; earlier boundaries kept', () => {
    const planned = groupSequentialBoundaries([0.4, 0.6, 0.8, 1], 0.05, 'obrien-fleming');
    const looks = [
      { nA: 4, nB: 4, p: 0.2 },
      { nA: 5, nB: 6, p: 0.1 }, // one poisoned trial errored
    ];
    const result = sequentialLook(looks, design);
    const t2 = (5 * 6) / 11 / 5;
    expect(result.fractions[1]).toBeCloseTo(t2, 15);
    expect(result.boundaries.z[0]).toBe(planned.z[0]);
    expect(result.boundaries.z[1]).toBe(groupSequentialBoundaries([0.4, t2], 0.05, 'obrien-fleming').z[1]);
    expect(result.decision).toBe('continue');
  });

  test('a final look spends the rest of α, at maxN or when the caller ends early', () => {
    const looks = [
      { nA: 4, nB: 4, p: 0.2 },
      { nA: 7, nB: 7, p: 0.06 },
      { nA: 10, nB: 10, p: 0.04 },
    ];
    const atMax = sequentialLook(looks, design);
    expect(atMax.final).toBe(true);
    expect(atMax.boundaries.spent[2]).toBe(0.05);
    expect(atMax.decision).toBe('reject');
    const early = sequentialLook(looks.slice(0, 2), design, { final: true });
    expect(early.fractions).toEqual([0.4, 1]);
    expect(early.decision).toBe('accept');
    expect(early.adjustedP as number).toBeGreaterThan(0.05);
  });
});

describe('planLooks', () => {
  test('min, min + step, …, max', () => {
    expect(planLooks(4, 12, 2)).toEqual([4, 6, 8, 10, 12]);
    expect(planLooks(4, 8)).toEqual([4, 5, 6, 7, 8]);
    expect(planLooks(3, 10, 3)).toEqual([3, 6, 9, 10]);
    expect(planLooks(5, 5)).toEqual([5]);
    expect(planLooks(2, 5, 1)).toEqual([2, 3, 4, 5]);
  });
});
