// Calibration: with no real effect (both arms from one distribution), the matcher must report
// significance at about the rate α says. A one-hypothesis family (one budget; ΔImp and accuracy
// are the same hypothesis), so BH leaves q = p and the rate should match Welch's size.
import { beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { installMatchers } from './matchers.js';
import { syntheticMatrix } from './test-utils.js';

beforeAll(() => installMatchers());

const REPETITIONS = 3000;
const ALPHA = 0.05;

/** Fraction of repetitions in which `toBeSignificantlyBelow` passed (= found an effect). */
function rejectionRate(n: number, shiftSd: number, seed: number): number {
  const rng = new Rng(seed);
  let rejections = 0;
  for (let r = 0; r < REPETITIONS; r++) {
    const m = syntheticMatrix([0.5], n, (attack) => 80 + rng.normal() - (attack === 'clean' ? 0 : shiftSd));
    try {
      expect(m.cell(0.5).deltaImprovement).toBeSignificantlyBelow(m.control.deltaImprovement);
      rejections++;
    } catch {
      // not significant
    }
  }
  return rejections / REPETITIONS;
}

/** 99.9% binomial interval half-width around rate p for REPETITIONS draws. */
const halfWidth = (p: number) => 3.29 * Math.sqrt((p * (1 - p)) / REPETITIONS);

describe('matcher calibration under no effect', () => {
  test('n = 10 per arm: significance is found at rate α', () => {
    const rate = rejectionRate(10, 0, 11);
    // Welch's test is very slightly conservative at n = 10 (true size ≈ 0.0497, 1e6-run simulation).
    expect(Math.abs(rate - 0.0497)).toBeLessThan(halfWidth(ALPHA));
  });

  test('n = 3 per arm: never more often than α (Welch at n = 3 has true size ≈ 0.040)', () => {
    const rate = rejectionRate(3, 0, 12);
    expect(Math.abs(rate - 0.0396)).toBeLessThan(halfWidth(0.0396));
    expect(rate).toBeLessThan(ALPHA + halfWidth(ALPHA));
  });

  test('and it does find a real effect: a 2-sd drop at n = 10 is detected almost always', () => {
    expect(rejectionRate(10, 2, 13)).toBeGreaterThan(0.95);
  });
});
