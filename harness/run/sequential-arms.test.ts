// Sequential arms on planted values: a large harm stops at the first look on the harm boundary, a
// tight null stops on the margin boundary, a noisy null runs to max and ends undecided; the stored
// record names the looks, the boundary and the reason; declarations are checked by name.
import { describe, expect, test } from 'vitest';
import { Rng } from '../engine/rng.js';
import { ArmMonitor, checkSequentialTrials, type ArmSequentialRecord } from './sequential.js';

const design = { ...checkSequentialTrials({ min: 4, max: 10, step: 2 }, 'test'), alpha: 0.05 };

/** Feeds looks of `draw` values until the monitor stops. */
function monitor(draw: (arm: 'A' | 'B', i: number) => number, margin: number | null): ArmSequentialRecord {
  const m = new ArmMonitor('attack@0.5', 0.5, { ...design, margin });
  const looks = m.plannedLooks();
  for (const [k, n] of looks.entries()) {
    const a = Array.from({ length: n }, (_, i) => draw('A', i));
    const b = Array.from({ length: n }, (_, i) => draw('B', i));
    const record = m.look(a, b, k === looks.length - 1);
    if (record) return record;
  }
  throw new Error('the monitor never stopped');
}

describe('sequential arms', () => {
  test('looks at 4, 6, 8, 10 trials per arm; by default after every trial', () => {
    expect(new ArmMonitor('a', 0.5, { ...design, margin: 1 }).plannedLooks()).toEqual([4, 6, 8, 10]);
    const byDefault = checkSequentialTrials({ min: 4, max: 7 }, 'test');
    expect(byDefault).toEqual({ min: 4, max: 7, step: 1, shape: 'obrien-fleming' });
    expect(new ArmMonitor('a', 0.5, { ...byDefault, alpha: 0.05, margin: 1 }).plannedLooks()).toEqual([4, 5, 6, 7]);
  });

  test('a large harm stops at the first look on the harm boundary, with a small adjusted p', () => {
    const rng = new Rng(1);
    const r = monitor((arm) => (arm === 'A' ? 70 : 80) + rng.normal(), 1);
    expect(r.reason).toBe('harm boundary crossed');
    expect(r.stoppedAt).toBe(4);
    expect(r.looks).toHaveLength(1);
    expect(r.looks[0]!.harmP).toBeLessThanOrEqual(r.looks[0]!.harmLevel);
    expect(r.adjustedHarmP).toBeLessThanOrEqual(r.looks[0]!.harmLevel);
    expect(r.adjustedMarginP).toBeGreaterThan(0.05);
    expect(r.design).toMatchObject({ min: 4, max: 10, step: 2, shape: 'obrien-fleming', alpha: 0.05, margin: 1, looks: [4, 6, 8, 10] });
  });

  test('tight equal arms stop early on the margin boundary', () => {
    const rng = new Rng(2);
    const r = monitor(() => 80 + 0.05 * rng.normal(), 1);
    expect(r.reason).toBe('margin boundary crossed');
    expect(r.stoppedAt).toBeLessThan(10);
    expect(r.adjustedMarginP).toBeLessThanOrEqual(0.05);
  });

  test('a noisy null runs to max and stays undecided at the full α', () => {
    const rng = new Rng(3);
    const r = monitor(() => 80 + 3 * rng.normal(), 1);
    expect(r.reason).toBe('maximum trials reached');
    expect(r.stoppedAt).toBe(10);
    expect(r.looks).toHaveLength(4);
    expect(r.looks.every((l) => l.harmP > l.harmLevel && l.marginP! > l.marginLevel!)).toBe(true);
    expect(r.adjustedHarmP).toBeGreaterThan(0.05);
    expect(r.adjustedMarginP).toBeGreaterThan(0.05);
  });

  test('a last look without new trials (errored) makes the previous look the final one, still with adjusted p-values', () => {
    const a = [80.0, 82.1, 78.2, 81.0, 79.1, 80.4];
    const b = [80.5, 79.0, 81.2, 80.1, 78.6, 81.9];
    const m = new ArmMonitor('attack@0.5', 0.5, { ...design, margin: 1 });
    expect(m.look(a.slice(0, 4), b.slice(0, 4), false)).toBeUndefined();
    expect(m.look(a.slice(0, 6), b.slice(0, 6), false)).toBeUndefined();
    // Looks at 8 and 10 got no new completed trials.
    expect(m.look(a.slice(0, 6), b.slice(0, 6), false)).toBeUndefined();
    const r = m.look(a.slice(0, 6), b.slice(0, 6), true)!;
    expect(r).toMatchObject({ reason: 'last look added no trials', stoppedAt: 6 });
    expect(r.looks).toHaveLength(2);
    expect(r.adjustedHarmP).not.toBeNull();
    expect(r.adjustedMarginP).not.toBeNull();
  });

  test('O\'Brien–Fleming levels rise from look to look towards α', () => {
    const rng = new Rng(3);
    const levels = monitor(() => 80 + 3 * rng.normal(), null).looks.map((l) => l.harmLevel);
    for (let i = 1; i < levels.length; i++) expect(levels[i]!).toBeGreaterThan(levels[i - 1]!);
    expect(levels.at(-1)!).toBeLessThan(0.05);
  });

  test('declarations are checked by name', () => {
    expect(() => checkSequentialTrials({ min: 1, max: 10 }, 'm')).toThrow(/m: trials\.min must be an integer ≥ 2, got 1/);
    expect(() => checkSequentialTrials({ min: 5, max: 5 }, 'm')).toThrow(/trials\.max must be an integer > trials\.min \(5\), got 5/);
    expect(() => checkSequentialTrials({ min: 2, max: 6, step: 0 }, 'm')).toThrow(/trials\.step must be a positive integer, got 0/);
    expect(() => checkSequentialTrials({ min: 2, max: 6, shape: 'haybittle' as 'pocock' }, 'm')).toThrow(/trials\.shape must be 'obrien-fleming' or 'pocock', got haybittle/);
  });
});
