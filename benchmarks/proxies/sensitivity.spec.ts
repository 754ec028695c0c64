// The study's Table 2: how much flipping half the training labels moves each training-free metric,
// on a fixed, seeded panel of NB201 cells at initialisation (the tier's evaluation network), each
// metric computed on the same images with clean and with poisoned labels.
import { describe, expect, test } from 'vitest';
import { float64Bits, metricSensitivity } from '../../harness/spec/index.js';

/** Metrics that never read labels: label flipping cannot reach them (synflow reads no data at all). */
const LABEL_FREE = ['synflow', 'jacov', 'ntk', 'linear_regions'] as const;
/** Metrics whose loss reads the labels. */
const LABEL_USING = ['grad_norm', 'snip', 'grasp', 'fisher'] as const;
/** The study's finding for the label-using metrics: "mostly under 10 %". */
const BAND = 0.1;

describe('training-free metrics × random label flipping at 50% (the study\'s Table 2)', () => {
  const table = metricSensitivity({ attack: 'random-label-flip', budget: 0.5, metrics: [...LABEL_USING, ...LABEL_FREE] });

  for (const name of LABEL_FREE) {
    test(`${name} reads no labels: bit-identical under label flipping in every cell`, () => {
      const metric = table.metric(name);
      expect(metric.usesLabels).toBe(false);
      for (const cell of metric.cells) expect(float64Bits(cell.poisoned), `${name} on ${cell.genotype}`).toBe(float64Bits(cell.clean));
    });
  }

  test('the poison reaches the label-using metrics: each differs from its clean value in some cell', () => {
    // A positive control: had the poisoned batches carried the clean labels, the tests below would pass vacuously.
    for (const name of LABEL_USING) {
      const metric = table.metric(name);
      expect(metric.usesLabels, name).toBe(true);
      expect(metric.cells.some((cell) => float64Bits(cell.poisoned) !== float64Bits(cell.clean)), `${name} moved in some cell`).toBe(true);
    }
  });

  for (const name of LABEL_USING) {
    test(`${name} changes by less than 10% on average (the study: mostly under 10%)`, () => {
      expect(table.metric(name)).toChangeByLessThan(BAND);
    });
  }
});
