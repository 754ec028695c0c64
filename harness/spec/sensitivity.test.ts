// The metric-sensitivity DSL on a tiny tier: its panel and batches, the relative changes against
// values computed independently, bit-identity of label-free metrics, determinism, declaration
// errors, the ±band decision rule and its matcher, and the table through the store to the report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyPoison, randomLabelFlip, type PoisonArtifact } from '../attacks/index.js';
import { syntheticPair } from '../data/synthetic.js';
import { datasetContentHash } from '../data/types.js';
import { initBackend } from '../engine/backend.js';
import { Rng } from '../engine/rng.js';
import type { TrainingFreeMetric } from '../proxies/types.js';
import { runResultsFromStore } from '../report/from-store.js';
import { renderMarkdown } from '../report/render.js';
import { sensitivitySummary } from '../report/sensitivity.js';
import type { SensitivityTable } from '../report/types.js';
import { loadTier } from '../run/tiers.js';
import { isDegenerate, canonicalGenotype } from '../space/canonical.js';
import { genotypeFromString } from '../space/genotype.js';
import { buildNetwork } from '../space/network.js';
import { environmentFingerprint, openStore } from '../store/index.js';
import { gatherBatch } from '../train/batches.js';
import { UNDERPOWERED_NOTE } from '../verdicts/index.js';
import { installMatchers } from './matchers.js';
import {
  MetricSensitivity,
  bandDecision,
  cellsToDecide,
  cachedSensitivity,
  computeSensitivity,
  float64Bits,
  installSensitivityMatchers,
  recordSensitivity,
  relativeChange,
  sensitivityBatches,
  sensitivityPanel,
  validateSensitivitySpec,
  type SensitivityCellValues,
} from './sensitivity.js';
import { snipMetric } from '../proxies/snip.js';
import { linearRegionsMetric } from '../proxies/linear-regions.js';

const dir = mkdtempSync(join(tmpdir(), 'naspoison-sensitivity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = syntheticPair({ height: 8, channels: 1, numClasses: 4, trainN: 48, testN: 16, seed: 5 });
const NETWORK = { channels: 2, cellsPerStage: 1 };

/** Reads labels only: the mean label of the batch. Its relative change follows from the data alone. */
const labelMean: TrainingFreeMetric = {
  name: 'grad_norm', // any name: the computation only uses compute and usesLabels
  usesLabels: true,
  higherIsBetter: true,
  compute: async (_network, batch) => batch.labels.reduce((s, v) => s + v, 0) / batch.labels.length,
};

/** Reads images only, through the network: the mean logit. */
const meanLogit: TrainingFreeMetric = {
  name: 'synflow',
  usesLabels: false,
  higherIsBetter: true,
  compute: async (network, batch) => {
    const mean = tf.tidy(() => tf.mean(network.forward(batch.x, { training: true })));
    const value = (await mean.data())[0]!;
    mean.dispose();
    return value;
  },
};

beforeAll(async () => {
  await initBackend('cpu');
});

describe('panel and batches', () => {
  test('the panel is seeded, non-degenerate and free of isomorphic duplicates; batches are seeded draws without replacement', () => {
    const panel = sensitivityPanel(12, 3);
    expect(panel).toEqual(sensitivityPanel(12, 3));
    expect(panel).not.toEqual(sensitivityPanel(12, 4));
    expect(panel.every((g) => !isDegenerate(g))).toBe(true);
    expect(new Set(panel.map((g) => canonicalGenotype(g))).size).toBe(12);
    const batches = sensitivityBatches(48, 3, 10, 3);
    expect(batches).toHaveLength(3);
    for (const b of batches) expect(new Set(b).size).toBe(10);
    expect(batches[0]).not.toEqual(batches[1]);
    expect(() => sensitivityBatches(48, 1, 49, 3)).toThrow(/a batch of 49 images does not fit in a training set of 48/);
  });

  test('relative change: exactly 0 when bit-identical (even for non-finite values), undefined for a zero or non-finite clean mean', () => {
    expect(relativeChange({ clean: [2, 4], poisoned: [2, 4] })).toEqual({ change: 0, bitIdentical: true });
    expect(relativeChange({ clean: [Infinity], poisoned: [Infinity] })).toEqual({ change: 0, bitIdentical: true });
    expect(relativeChange({ clean: [2, 4], poisoned: [3, 3.6] })).toEqual({ change: (3.3 - 3) / 3, bitIdentical: false });
    expect(relativeChange({ clean: [-2], poisoned: [-1] })).toEqual({ change: 0.5, bitIdentical: false });
    expect(relativeChange({ clean: [0], poisoned: [1] })).toEqual({ change: null, bitIdentical: false });
    expect(relativeChange({ clean: [Infinity], poisoned: [1] })).toEqual({ change: null, bitIdentical: false });
    expect(float64Bits([0])).not.toBe(float64Bits([-0]));
  });
});

describe('computing a table', () => {
  // Random label flipping crafts synchronously.
  const artifact = randomLabelFlip.craft(data.train, 0.5, { seed: 9, backend: 'cpu' }) as PoisonArtifact;
  const poisoned = applyPoison(data.train, artifact);
  const inputs = { clean: data.train, poisoned, network: NETWORK, cells: 2, batches: 2, batchSize: 8, seed: 11 };

  test('label-reading values and their changes match the data; label-free values are bit-identical', async () => {
    const { panel, rows, values } = await computeSensitivity([labelMean, meanLogit, snipMetric, linearRegionsMetric], inputs);
    expect(panel).toHaveLength(2);
    const batches = sensitivityBatches(data.train.n, 2, 8, 11);
    const meanOf = (labels: Int32Array, idx: Int32Array) => Array.from(idx, (i) => labels[i]!).reduce((s, v) => s + v, 0) / idx.length;
    const clean = batches.map((b) => meanOf(data.train.labels, b));
    const flipped = batches.map((b) => meanOf(poisoned.labels, b));
    for (const cell of values.get('grad_norm')!) {
      expect(cell.clean).toEqual(clean);
      expect(cell.poisoned).toEqual(flipped);
    }
    const c = (clean[0]! + clean[1]!) / 2;
    const p = (flipped[0]! + flipped[1]!) / 2;
    const label = rows.find((r) => r.metric === 'grad_norm')!;
    expect(label.changes).toEqual([(p - c) / Math.abs(c), (p - c) / Math.abs(c)]);
    expect(label.bitIdentical).toBe(0);
    // Label-free metrics: every batch bit-identical in every cell, a change of exactly 0.
    for (const name of ['synflow', 'linear_regions']) {
      const row = rows.find((r) => r.metric === name)!;
      expect(row).toMatchObject({ usesLabels: false, changes: [0, 0], bitIdentical: 2, n: 2, mean: 0, ciLow: 0, ciHigh: 0, maxAbsChange: 0 });
      for (const cell of values.get(name)!) expect(float64Bits(cell.poisoned)).toBe(float64Bits(cell.clean));
    }
    // snip reads the flipped labels: it moves, and its row is the summary of its changes.
    const snip = rows.find((r) => r.metric === 'snip')!;
    expect(snip.bitIdentical).toBe(0);
    expect(snip).toMatchObject(sensitivitySummary(snip.changes));
    // The stored value is the metric on the cell's seeded network and the batch's images: recomputed independently.
    const net = buildNetwork(genotypeFromString(panel[1]!), { ...NETWORK, inputChannels: 1, numClasses: 4 }, new Rng(11).child('sensitivity-init', 1));
    const batch = gatherBatch(poisoned, batches[0]!, 0, 8);
    const again = await snipMetric.compute(net, { x: batch.x, labels: batch.labels, numClasses: 4 });
    tf.dispose([batch.x, batch.y]);
    net.dispose();
    expect(values.get('snip')![1]!.poisoned[0]).toBe(again);
  });

  test('the same seed gives the same table, bit for bit; another seed another panel; no tensor is left behind', async () => {
    const a = await computeSensitivity([meanLogit, snipMetric], inputs);
    // Measured after a first computation: a metric's kernels may cache a tensor or two once per process.
    const before = tf.memory().numTensors;
    const b = await computeSensitivity([meanLogit, snipMetric], inputs);
    expect(tf.memory().numTensors).toBe(before);
    expect(b.rows).toEqual(a.rows);
    expect(float64Bits(b.values.get('snip')!.flatMap((c) => [...c.clean, ...c.poisoned]))).toBe(float64Bits(a.values.get('snip')!.flatMap((c) => [...c.clean, ...c.poisoned])));
    const c = await computeSensitivity([meanLogit], { ...inputs, seed: 12 });
    expect(c.panel).not.toEqual(a.panel);
  });

  test('a metric that throws on a cell is that metric\'s error: the others are computed, its assertions error naming the cell', async () => {
    let calls = 0;
    const breaksOnSecondCell: TrainingFreeMetric = {
      name: 'fisher',
      usesLabels: true,
      higherIsBetter: true,
      // Two arms × two batches per cell: the fifth call is the second cell's first.
      compute: async () => {
        if (++calls === 5) throw new Error('Cannot compute gradient of y=f(x) with respect to x.\nmore');
        return 1;
      },
    };
    const { rows, values, panel } = await computeSensitivity([breaksOnSecondCell, labelMean], inputs);
    expect(rows[0]).toMatchObject({ metric: 'fisher', changes: [null, null], n: 0, mean: null, bitIdentical: 0, error: `Cannot compute gradient of y=f(x) with respect to x. (on cell 2, ${panel[1]}, clean labels)` });
    expect(calls).toBe(5); // not called again once it failed
    expect(rows[1]!.n).toBe(2);
    expect(values.get('grad_norm')).toHaveLength(2);
    const s = new MetricSensitivity({ attack: 'random-label-flip', budget: 0.5, metrics: ['fisher', 'grad_norm'] }, 'x.spec.ts');
    s.useComputed({ file: 'x.spec.ts', label: s.spec.label, attack: 'random-label-flip', budget: 0.5, seed: 11, poisonHash: 'h', network: NETWORK, batchSize: 8, batches: 2, confidence: 0.95, cells: panel, metrics: rows }, values);
    expect(() => s.metric('fisher').cells).toThrow(/random-label-flip at 50%: fisher could not be computed: Cannot compute gradient/);
    expect(s.metric('grad_norm').cells).toHaveLength(2);
  });
});

describe('declaring a table', () => {
  test('bad names, budgets and sizes fail at declaration, naming them', () => {
    expect(() => validateSensitivitySpec({ attack: 'label-flop', budget: 0.5 })).toThrow(/unknown attack "label-flop"; registered: .*random-label-flip/);
    expect(() => validateSensitivitySpec({ attack: 'random-label-flip', budget: 1.5 })).toThrow(/budget 1\.5 is invalid/);
    expect(() => validateSensitivitySpec({ attack: 'random-label-flip', budget: 0.5, metrics: ['snip', 'zen'] })).toThrow(/unknown training-free metric "zen"; known: .*snip/);
    expect(() => validateSensitivitySpec({ attack: 'random-label-flip', budget: 0.5, metrics: ['snip', 'snip'] })).toThrow(/metric "snip" is listed twice/);
    expect(() => validateSensitivitySpec({ attack: 'random-label-flip', budget: 0.5, cells: 1 })).toThrow(/random-label-flip at 50%\): cells must be an integer ≥ 2, got 1/);
    expect(() => validateSensitivitySpec({ attack: 'random-label-flip', budget: 0.5, batches: 0 })).toThrow(/batches must be an integer ≥ 1/);
    expect(() => validateSensitivitySpec({ attack: 'random-label-flip', budget: 0.5, batchSize: 1 })).toThrow(/batchSize must be an integer ≥ 2/);
    const ok = validateSensitivitySpec({ attack: 'random-label-flip', budget: 0.5, metrics: ['snip'] });
    expect(ok).toMatchObject({ label: 'random-label-flip at 50%', cells: 8, batches: 2, batchSize: undefined });
  });
});

describe('the decision rule: the 95% CI of the mean change against ±band', () => {
  test('inside passes, entirely outside fails, straddling an edge is undecided, no CI is insufficient', () => {
    expect(bandDecision({ ciLow: -0.05, ciHigh: 0.08 }, 0.1)).toBe('inside');
    expect(bandDecision({ ciLow: 0, ciHigh: 0 }, 0.1)).toBe('inside');
    expect(bandDecision({ ciLow: 0.12, ciHigh: 0.3 }, 0.1)).toBe('outside');
    expect(bandDecision({ ciLow: -0.4, ciHigh: -0.1 }, 0.1)).toBe('outside'); // touching the edge from outside: entirely outside the open band
    expect(bandDecision({ ciLow: 0.05, ciHigh: 0.15 }, 0.1)).toBe('straddles');
    expect(bandDecision({ ciLow: -0.2, ciHigh: 0.2 }, 0.1)).toBe('straddles');
    expect(bandDecision({ ciLow: -0.02, ciHigh: 0.1 }, 0.1)).toBe('straddles'); // the edge itself is not inside
    expect(bandDecision({ ciLow: null, ciHigh: null }, 0.1)).toBe('insufficient');
    expect(() => bandDecision({ ciLow: 0, ciHigh: 0 }, 0)).toThrow(/band must be a number > 0/);
  });

  test('cells to decide: the least n whose t half-width is below the distance to the edge', () => {
    // mean 0.05, sd 0.1, band 0.1: distance 0.05; t(0.975, n−1)·0.1/√n < 0.05 first at n = 18 (t = 2.1098, half-width 0.0497)
    expect(cellsToDecide(0.05, 0.1, 0.1)).toBe(18);
    expect(cellsToDecide(0.1, 0.1, 0.1)).toBeNull();
    expect(cellsToDecide(0.3, 0, 0.1)).toBe(2);
  });

  function tableWith(changes: number[]): MetricSensitivity {
    const s = new MetricSensitivity({ attack: 'random-label-flip', budget: 0.5, metrics: ['snip'] }, 'benchmarks/proxies/x.spec.ts');
    const table: SensitivityTable = {
      file: s.file,
      label: s.spec.label,
      attack: 'random-label-flip',
      budget: 0.5,
      seed: 1,
      poisonHash: 'h',
      network: NETWORK,
      batchSize: 8,
      batches: 1,
      confidence: 0.95,
      cells: changes.map((_, i) => `cell ${i}`),
      metrics: [{ metric: 'snip', usesLabels: true, changes, ...sensitivitySummary(changes), bitIdentical: 0 }],
    };
    const values = new Map<string, SensitivityCellValues[]>([['snip', changes.map((c, i) => ({ genotype: `cell ${i}`, clean: [1], poisoned: [1 + c] }))]]);
    return s.useComputed(table, values);
  }

  test('the matcher passes inside, fails outside, and fails as underpowered (strict mode) when straddling, with its numbers', () => {
    installMatchers({ underpowered: 'fail' });
    installSensitivityMatchers();
    expect(tableWith([0.01, -0.02, 0.03, 0.0, 0.02]).metric('snip')).toChangeByLessThan(0.1);
    expect(() => expect(tableWith([0.3, 0.4, 0.35, 0.32]).metric('snip')).toChangeByLessThan(0.1)).toThrow(/the whole CI lies outside the band/);
    const straddling = () => expect(tableWith([0.02, 0.2, 0.05, 0.15]).metric('snip')).toChangeByLessThan(0.1);
    expect(straddling).toThrow(new RegExp(`^${UNDERPOWERED_NOTE}: relative change of snip under random-label-flip at 50%: mean \\+10\\.5% over n = 4 of 4 cells, 95% CI \\[`));
    expect(straddling).toThrow(/cells would decide it/);
    expect(() => expect(tableWith([0.02]).metric('snip')).toChangeByLessThan(0.1)).toThrow(/insufficient data: fewer than 2 cells/);
    expect(() => expect(tableWith([0.02, 0.01]).metric('snip')).not.toChangeByLessThan(0.1)).toThrow(/cannot be negated/);
    expect(() => expect(0.02).toChangeByLessThan(0.1)).toThrow(/takes a metric of a sensitivity table/);
  });
});

describe('measured values are stored', () => {
  test('the same table again is read from the store, value for value and bit for bit; another seed or backend is measured anew; a failed metric is not stored', async () => {
    const store = openStore(join(dir, 'values.db'));
    let calls = 0;
    const counted: TrainingFreeMetric = { ...snipMetric, compute: (n, b) => (calls++, snipMetric.compute(n, b)) };
    const poisoned = applyPoison(data.train, randomLabelFlip.craft(data.train, 0.5, { seed: 9, backend: 'cpu' }) as PoisonArtifact);
    const inputs = { clean: data.train, poisoned, network: NETWORK, cells: 2, batches: 1, batchSize: 8, seed: 3, datasetHash: 'd', poisonHash: 'p', backend: 'cpu' };
    try {
      const first = await cachedSensitivity(store, [counted, linearRegionsMetric], inputs);
      const measured = calls;
      expect(first.cached).toBe(false);
      expect(measured).toBe(4); // 2 cells × clean and poisoned × 1 batch
      const second = await cachedSensitivity(store, [counted, linearRegionsMetric], inputs);
      expect(calls).toBe(measured);
      expect(second.cached).toBe(true);
      expect(second.panel).toEqual(first.panel);
      expect(second.rows).toEqual(first.rows);
      for (const [name, cells] of first.values) {
        expect(second.values.get(name)!.map((c) => float64Bits([...c.clean, ...c.poisoned]))).toEqual(cells.map((c) => float64Bits([...c.clean, ...c.poisoned])));
      }
      expect((await cachedSensitivity(store, [counted], { ...inputs, seed: 4 })).cached).toBe(false);
      expect((await cachedSensitivity(store, [counted], { ...inputs, backend: 'wasm' })).cached).toBe(false);
      const failing: TrainingFreeMetric = { ...snipMetric, name: 'grasp', compute: () => Promise.reject(new Error('boom')) };
      expect((await cachedSensitivity(store, [failing], inputs)).cached).toBe(false);
      expect((await cachedSensitivity(store, [failing], inputs)).cached).toBe(false);
    } finally {
      store.close();
    }
  });
});

describe('through the store to the report', () => {
  test('a table computed in a prepared run is stored under the run id and renders as the report\'s Table 2', async () => {
    const smoke = loadTier('smoke');
    const tier = { ...smoke, evaluation: { ...smoke.evaluation, network: NETWORK, recipe: { ...smoke.evaluation.recipe, batchSize: 8 } } };
    const store = openStore(join(dir, 'run.db'));
    const context = {
      runId: 'tiny-run',
      tier,
      data,
      datasetHash: `${datasetContentHash(data.train)}:${datasetContentHash(data.test)}`,
      backend: { name: 'cpu' as const, detail: 'cpu', choice: 'cpu' as const },
      store,
      environment: environmentFingerprint({ name: 'cpu' }, tf.version.tfjs),
      codeVersion: 'test',
      log: () => {},
    };
    const s = new MetricSensitivity({ attack: 'random-label-flip', budget: 0.5, metrics: ['snip', 'linear_regions'], cells: 2, batches: 1, seed: 3 }, 'benchmarks/proxies/tiny.spec.ts');
    const table = await s.run(context);
    expect(table).toMatchObject({ batchSize: 8, batches: 1, network: NETWORK, label: 'random-label-flip at 50%' });
    recordSensitivity(context, s, 1.5);
    store.close();
    const read = openStore(join(dir, 'run.db'), { readonly: true });
    try {
      const results = runResultsFromStore(read, 'tiny-run');
      expect(results.sensitivity).toEqual([table]);
      const md = renderMarkdown(results);
      expect(md).toContain('### random-label-flip at 50%');
      expect(md).toMatch(/\| linear\\_regions \| no \| 2 \| 0 % \| exactly 0 \| 0 % \| \*\*2 of 2\*\* \|/);
    } finally {
      read.close();
    }
  });
});
