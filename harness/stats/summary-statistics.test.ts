import { describe, expect, test } from 'vitest';
import { summarize } from './summary.js';
import { expectRelativelyClose, loadReferences } from './test-utils.js';

// References: numpy mean / std(ddof=1) in fixtures/scripts/make-stats-references.py.
const ref = loadReferences();

describe('summary statistics', () => {
  test('n, mean, sd (n − 1), sem, min, max and median', () => {
    const s = summarize([4, 1, 3, 2, 10]);
    expect(s).toMatchObject({ n: 5, mean: 4, min: 1, max: 10, median: 3 });
    expect(s.sd).toBeCloseTo(Math.sqrt(12.5), 14);
    expect(s.sem).toBeCloseTo(Math.sqrt(12.5 / 5), 14);
    expect(summarize([3, 1, 2, 10]).median).toBe(2.5);
  });

  test('agree with the Welch references (scipy/numpy ddof = 1)', () => {
    for (const r of ref.welch) {
      const [first, ...rest] = r.a;
      const s = summarize([first as number, ...rest]);
      expect(s.mean).toBeCloseTo(r.meanA, 12);
      expectRelativelyClose(s.sd as number, r.sdA, `${r.name} sdA`);
    }
  });

  test('sd and sem are null for a single sample; empty and non-finite input throw', () => {
    expect(summarize([7])).toEqual({ n: 1, mean: 7, sd: null, sem: null, min: 7, max: 7, median: 7 });
    expect(() => summarize([] as unknown as [number])).toThrow(/at least one sample/);
    expect(() => summarize([1, Number.NaN])).toThrow(/sample 1 is NaN/);
  });

  test('keep precision at accuracy-like offsets (values near 0.9 differing in the 9th digit)', () => {
    // The inputs are only representable to ~1e-16 each, so the sd is known to ~1e-7 relative; a
    // one-pass Σx² − n·mean² formula would lose it entirely (cancellation at the 1e-16·0.81 level).
    const s = summarize([0.900000001, 0.900000002, 0.900000003]);
    expectRelativelyClose(s.sd as number, 1e-9, 'sd', 1e-6);
    expect(summarize([0.3, 0.3, 0.3]).sd).toBe(0);
  });
});
