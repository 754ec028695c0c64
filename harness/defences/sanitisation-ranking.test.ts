// Which samples loss-based sanitisation removes, on hand-made losses: the count of highest loss,
// ties removing the higher index first, per class in proportion to class sizes, NaN refused.
import { describe, expect, test } from 'vitest';
import { dropHighestLoss } from './index.js';

const losses = (...l: number[]): Float32Array => Float32Array.from(l);
const list = (a: Int32Array): number[] => Array.from(a);

describe('dropHighestLoss over the whole set', () => {
  test('removes the `count` highest losses; both parts ascending', () => {
    const { kept, dropped } = dropHighestLoss(losses(0.1, 2.0, 0.5, 3.0, 0.2, 1.0), 2);
    expect(list(dropped)).toEqual([1, 3]);
    expect(list(kept)).toEqual([0, 2, 4, 5]);
  });

  test('equal losses: the higher index is removed first, the lower kept', () => {
    expect(list(dropHighestLoss(losses(1, 5, 1, 1, 0), 2).dropped)).toEqual([1, 3]);
    expect(list(dropHighestLoss(losses(2, 2, 2, 2), 3).kept)).toEqual([0]);
  });

  test('count 0 keeps everything', () => {
    expect(list(dropHighestLoss(losses(1, 2, 3), 0).kept)).toEqual([0, 1, 2]);
  });

  test.each([3, 4, -1, 1.5])('count %f of 3 samples is refused', (count) => {
    expect(() => dropHighestLoss(losses(1, 2, 3), count)).toThrow(/cannot remove .* of 3 samples/);
  });

  test('a NaN loss (a diverged model) is refused, naming the sample', () => {
    expect(() => dropHighestLoss(losses(1, Number.NaN, 3), 1)).toThrow(/loss of sample 1 is NaN/);
  });
});

describe('dropHighestLoss per class', () => {
  test('each class loses its proportional share of its own highest losses', () => {
    // Class 0: samples 0–3 (4), class 1: samples 4–7 (4), count 4 → 2 per class, although class 1's
    // losses are all below class 0's.
    const l = losses(9, 8, 7, 6, 0.4, 0.3, 0.2, 0.1);
    const labels = Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1);
    expect(list(dropHighestLoss(l, 4, { labels, numClasses: 2 }).dropped)).toEqual([0, 1, 4, 5]);
    expect(list(dropHighestLoss(l, 4).dropped)).toEqual([0, 1, 2, 3]);
  });

  test('uneven classes: shares by largest remainder (ties to the lower class); the total is exact', () => {
    // Sizes 3, 2, 1 and count 3: quotas 1.5, 1, 0.5 → 1 + 1 + 0 = 2, the remaining one to class 0 (tied with class 2).
    const labels = Int32Array.of(0, 1, 0, 2, 1, 0);
    const l = losses(1, 2, 3, 4, 5, 6);
    expect(list(dropHighestLoss(l, 3, { labels, numClasses: 3 }).dropped)).toEqual([2, 4, 5]);
  });
});
