// RoBoT's search with stand-in metrics and queries (no training): T distinct queries, no cell
// trained twice, the best queried cell wins, the panel is scored on the pool's scale, and the same
// seed gives the same search. (The loop's rules in detail: loop.test.ts.)
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticPair } from '../../data/index.js';
import { initBackend } from '../../engine/backend.js';
import { canonicalGenotype } from '../../space/canonical.js';
import { genotypeFromString, genotypeToString, type Nb201Genotype } from '../../space/genotype.js';
import { ROBOT_METRICS, combinedScores, metricRanges, normalise } from './pool.js';
import type { RobotMetric } from './scoring.js';
import { robotSearchWith, type RobotDependencies } from './search.js';
import { robotSettings } from './settings.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Stand-in metrics: cheap functions of the network's output on the batch, one scale each. */
const fakeMetrics: RobotMetric[] = ROBOT_METRICS.map((name, j) => ({
  name,
  async compute(network, batch) {
    const t = tf.tidy(() => tf.mean(tf.pow(tf.abs(network.forward(batch.x, { training: true })), (j % 3) + 1)));
    const v = (await t.data())[0]!;
    t.dispose();
    return j === 2 ? -v : v * (j + 1);
  },
}));

/** A stand-in query: a fixed pseudo-accuracy per cell class; records every call. */
function fakeQuery(calls: string[]): RobotDependencies['query'] {
  return async (genotype: Nb201Genotype) => {
    const key = canonicalGenotype(genotype);
    calls.push(key);
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) % 1000;
    return 40 + h / 20;
  };
}

const settings = robotSettings({ poolSize: 12, queries: 6, boSteps: 4, metricBatchSize: 8, channels: 2, acquisitionSamples: 300, acquisitionRestarts: 2 });
const panel = ['|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|', '|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|avg_pool_3x3~2|'].map(genotypeFromString);

describe('RoBoT search loop (stand-in metrics and queries)', () => {
  const { train } = syntheticPair({ trainN: 48, testN: 8, seed: 2, height: 8, width: 8, channels: 1, numClasses: 4 });

  test('T distinct queries, none repeated; the best queried cell is returned; diagnostics complete', async () => {
    const calls: string[] = [];
    const logs: string[] = [];
    const out = await robotSearchWith({ train, settings, seed: 5, panel, log: (m) => logs.push(m) }, { metrics: fakeMetrics, query: fakeQuery(calls) });
    expect(calls).toHaveLength(6);
    expect(new Set(calls).size).toBe(6);
    const d = out.diagnostics;
    expect(d).toMatchObject({ queries: 6, boSteps: 4, poolSize: 12, divergedQueries: 0 });
    expect(d.boQueries as number).toBeGreaterThanOrEqual(1);
    expect(d.boQueries as number).toBeLessThanOrEqual(4);
    const accuracies = calls.map((key) => 40 + [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000, 0) / 20);
    expect(d.bestValidationAccuracy).toBe(Math.max(...accuracies));
    expect(canonicalGenotype(out.genotype)).toBe(calls[accuracies.indexOf(Math.max(...accuracies))]);
    expect(d.genotype).toBe(genotypeToString(out.genotype));
    for (const name of ROBOT_METRICS) {
      const w = d[`w_${name}`] as number;
      expect(w).toBeGreaterThanOrEqual(-1);
      expect(w).toBeLessThanOrEqual(1);
    }
    expect(typeof d.searchMs).toBe('number');
    expect(out.panelScores).toHaveLength(2);
    expect(logs.some((m) => /query 6\/6 \(greedy\)/.test(m))).toBe(true);
  });

  test('panel scores are the best weights’ combined scores, normalised with the pool’s ranges', async () => {
    // Record the metric values the search computes: the pool's rows first, then the panel's.
    const rows: number[][] = [];
    let row: number[] = [];
    const recording: RobotMetric[] = fakeMetrics.map((m, j) => ({
      name: m.name,
      async compute(network, batch) {
        const v = await m.compute(network, batch);
        row.push(v);
        if (j === ROBOT_METRICS.length - 1) {
          rows.push(row);
          row = [];
        }
        return v;
      },
    }));
    const out = await robotSearchWith({ train, settings, seed: 5, panel }, { metrics: recording, query: fakeQuery([]) });
    expect(rows).toHaveLength(12 + 2);
    const weights = ROBOT_METRICS.map((name) => out.diagnostics[`w_${name}`] as number);
    const ranges = metricRanges(rows.slice(0, 12));
    expect(out.panelScores).toEqual(combinedScores(normalise(rows.slice(12), ranges), weights));
    // Without scorePanel the panel is not scored at all.
    rows.length = 0;
    const off = await robotSearchWith({ train, settings: { ...settings, scorePanel: false }, seed: 5, panel }, { metrics: recording, query: fakeQuery([]) });
    expect(off.panelScores).toBeUndefined();
    expect(rows).toHaveLength(12);
  });

  test('the same seed gives the same search; another seed another pool', async () => {
    const a = await robotSearchWith({ train, settings, seed: 9 }, { metrics: fakeMetrics, query: fakeQuery([]) });
    const b = await robotSearchWith({ train, settings, seed: 9 }, { metrics: fakeMetrics, query: fakeQuery([]) });
    const { searchMs: _a, metricMs: _am, ...da } = a.diagnostics;
    const { searchMs: _b, metricMs: _bm, ...db } = b.diagnostics;
    expect(db).toEqual(da);
    expect(a.panelScores).toBeUndefined();
    const logsA: string[] = [];
    const logsC: string[] = [];
    await robotSearchWith({ train, settings, seed: 9, log: (m) => logsA.push(m) }, { metrics: fakeMetrics, query: fakeQuery([]) });
    await robotSearchWith({ train, settings, seed: 10, log: (m) => logsC.push(m) }, { metrics: fakeMetrics, query: fakeQuery([]) });
    expect(logsC.filter((m) => m.includes('query'))).not.toEqual(logsA.filter((m) => m.includes('query')));
  });

  test('wrong metrics are refused by name', async () => {
    await expect(robotSearchWith({ train, settings, seed: 1 }, { metrics: fakeMetrics.slice(1), query: fakeQuery([]) })).rejects.toThrow(/must be grad_norm, snip, grasp, fisher, synflow, jacov in that order/);
  });
});
