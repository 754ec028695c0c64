import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { applyBenjaminiHochberg } from './bh.js';
import type { Alternative, Comparison } from './types.js';
import { binomialAcceptanceRange, loadReferences, normalSample } from './test-utils.js';
import { welchOneSided } from './welch.js';

// Monte-Carlo invariants with a seeded Rng: deterministic, and each bound is a 99.9% binomial
// acceptance range, so a correct test would fail it by chance about once in a thousand seeds.
const ALPHA = 0.05;
const LEVEL = 0.999;

// Welch's test is conservative at tiny n: its true size at α = 0.05 with two arms of n draws from one
// normal is ≈ 0.0396 at n = 3 and ≈ 0.0497 at n = 10 (1e6-run scipy simulation in the references).
// The n = 3 rate is therefore checked against that size — a check against 0.05 itself would fail for
// about 44% of seeds with a correct implementation — and against α only from above.
const trueSize = new Map(loadReferences().welchNullSize.map((r) => [r.n, r.size]));

function rejects(c: Comparison, useQ = false): boolean {
  if (c.state !== 'computed') throw new Error(`unexpected ${c.state}`);
  return (useQ ? (c.q as number) : c.p) < ALPHA;
}

/** Rejections of `runs` one-sided tests on arms of size n drawn from N(shift, 1) and N(0, 1). */
function rejectionCount(seed: string, n: number, runs: number, alternative: Alternative, shift = 0): number {
  const rng = new Rng(20240511).child('calibration', seed, n, alternative);
  const draw = (): number => rng.normal();
  let count = 0;
  for (let i = 0; i < runs; i++) {
    if (rejects(welchOneSided(normalSample(draw, n, shift), normalSample(draw, n), alternative))) count++;
  }
  return count;
}

describe('with no real effect the one-sided Welch test rejects at its nominal rate, never above α', () => {
  const runs = 4000;
  const atAlpha = binomialAcceptanceRange(runs, ALPHA, LEVEL);

  test.each([
    [3, 'less'],
    [3, 'greater'],
    [10, 'less'],
    [10, 'greater'],
  ] as const)('n = %i per arm, alternative %s: 4,000 null runs', (n, alternative) => {
    const size = trueSize.get(n) as number;
    const { low, high } = binomialAcceptanceRange(runs, size, LEVEL);
    const count = rejectionCount('null', n, runs, alternative);
    const rate = `rate ${count / runs}, accepted [${low / runs}, ${high / runs}] around the true size ${size}`;
    expect(count, rate).toBeGreaterThanOrEqual(low);
    expect(count, rate).toBeLessThanOrEqual(high);
    expect(count, `rate ${count / runs} above α's range`).toBeLessThanOrEqual(atAlpha.high);
    // At n = 10 the test is calibrated to α itself.
    if (n === 10) expect(count, `rate ${count / runs} below α's range`).toBeGreaterThanOrEqual(atAlpha.low);
  });
});

describe('BH over families of 6 null comparisons keeps the family-wise rejection rate at α', () => {
  test.each([3, 10])('n = %i per arm: 2,000 families', (n) => {
    const families = 2000;
    const rng = new Rng(20240511).child('bh-family', n);
    const draw = (): number => rng.normal();
    let anyByQ = 0;
    let anyByP = 0;
    for (let f = 0; f < families; f++) {
      const family = Array.from({ length: 6 }, () => welchOneSided(normalSample(draw, n), normalSample(draw, n), 'less'));
      const adjusted = applyBenjaminiHochberg(family);
      if (adjusted.some((c) => rejects(c, true))) anyByQ++;
      if (family.some((c) => rejects(c))) anyByP++;
    }
    // Under the global null, BH's FDR is its family-wise error rate: ≤ α for independent tests.
    const { high } = binomialAcceptanceRange(families, ALPHA, LEVEL);
    expect(anyByQ, `family-wise rate ${anyByQ / families}`).toBeLessThanOrEqual(high);
    // Uncorrected, a false rejection somewhere in a family of 6 has probability 1 − (1 − size)⁶:
    // ≈ 0.21 at n = 3, ≈ 0.26 at n = 10. BH must bring that down by a wide margin.
    expect(anyByP / families).toBeGreaterThan(0.15);
    expect(anyByQ).toBeLessThan(anyByP / 3);
  });
});

describe('a real effect is detected', () => {
  test('a true shift of 2 sd at n = 10 per arm is rejected in more than 90% of 1,000 runs', () => {
    const runs = 1000;
    expect(rejectionCount('power', 10, runs, 'less', -2) / runs).toBeGreaterThan(0.9);
  });
});
