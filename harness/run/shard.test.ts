// Sharding a run's plan: `--shard i/n` parsing, the cost estimate, the deterministic LPT deal
// (every trial in exactly one shard, whatever order the plan was built in; loads within the LPT
// bound), the plan's dedup of shared clean controls, and the merge checks of shard records.
import { describe, expect, test } from 'vitest';
import { loadTier } from './tiers.js';
import { nasAlgorithms } from '../nas/index.js';
import { validateMatrixSpec } from './matrix.js';
import {
  assignShards,
  estimateTrialCost,
  parseShard,
  parseShardRecord,
  planTrials,
  shardCoverage,
  shardRefusal,
  verdictCommand,
  type FoundShard,
  type PlannedTrial,
  type ShardRecord,
} from './shard.js';
import { trialId } from './shard.js';
import type { TrialPlan } from './trial.js';

describe('--shard i/n', () => {
  test('accepts 1 ≤ i ≤ n', () => {
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard('3/3')).toEqual({ index: 3, count: 3 });
    expect(parseShard(' 2 / 10 ')).toEqual({ index: 2, count: 10 });
  });

  test.each([
    ['0/3', /between 1 and 3 \(shards are numbered from 1\)/],
    ['4/3', /between 1 and 3/],
    ['1/0', /count n must be at least 1/],
    ['abc', /must be i\/n with whole numbers/],
    ['1.5/3', /must be i\/n/],
    ['-1/3', /must be i\/n/],
    ['2', /must be i\/n/],
    ['', /must be i\/n/],
  ])('refuses %j, saying why', (text, message) => {
    expect(() => parseShard(text)).toThrow(message);
  });
});

describe('the cost estimate', () => {
  test('at the smoke tier it ranks trials as the measured durations do: random ≪ P-DARTS ≤ early stopping', () => {
    const run = { tier: loadTier('smoke'), trainSize: 2000 };
    const random = estimateTrialCost({ nas: 'random' }, run);
    const pdarts = estimateTrialCost({ nas: 'pdarts' }, run);
    const early = estimateTrialCost({ nas: 'random-early-stopping' }, run);
    // Retraining alone: 4 epochs × 2,000 images.
    expect(random).toBe(8000);
    expect(pdarts / random).toBeCloseTo(2.875, 3);
    expect(early / random).toBe(3);
  });

  test("a plugin's searchCost hint is used, with its own settings; without one a search costs one retraining", () => {
    const tier = { ...loadTier('smoke'), nas: { ...loadTier('smoke').nas, 'shard-test-hinted': { images: 500 } } };
    const seen: unknown[] = [];
    nasAlgorithms.register({
      name: 'shard-test-hinted',
      description: 'test only: a cost hint',
      family: 'training-free',
      settings: (block) => block as { images: number },
      search: () => {
        throw new Error('not searched in this test');
      },
      searchCost: (settings, run) => {
        seen.push(settings, run);
        return (settings as { images: number }).images * 2;
      },
    });
    nasAlgorithms.register({
      name: 'shard-test-unhinted',
      description: 'test only: no cost hint',
      family: 'training-based',
      settings: () => ({}),
      search: () => {
        throw new Error('not searched in this test');
      },
    });
    const run = { tier, trainSize: 2000 };
    expect(estimateTrialCost({ nas: 'shard-test-hinted' }, run)).toBe(8000 + 1000);
    expect(seen).toEqual([{ images: 500 }, { trainSize: 2000, evaluation: { channels: 8, cellsPerStage: 1, epochs: 4 }, panelSize: 16 }]);
    expect(estimateTrialCost({ nas: 'shard-test-unhinted' }, run)).toBe(2 * 8000);
  });

  test('grows with the tier: the standard tier costs more per trial than smoke', () => {
    const smoke = estimateTrialCost({ nas: 'pdarts' }, { tier: loadTier('smoke'), trainSize: 2000 });
    const standard = estimateTrialCost({ nas: 'pdarts' }, { tier: loadTier('standard'), trainSize: 10000 });
    expect(standard).toBeGreaterThan(10 * smoke);
  });
});

/** A synthetic plan: `n` trials with costs from `cost(i)`. */
function trials(n: number, cost: (i: number) => number): PlannedTrial[] {
  return Array.from({ length: n }, (_, i) => {
    const plan: TrialPlan = { nas: i % 2 === 0 ? 'pdarts' : 'random', attack: 'random-label-flip', budget: 0.5, defence: 'none', trialIndex: i };
    return { plan, key: `key-${i}`, cost: cost(i), id: trialId(plan) };
  });
}

describe('dealing trials to shards', () => {
  test('every trial lands in exactly one shard, and the deal does not depend on the order of the plan', () => {
    const plan = trials(37, (i) => 1 + ((i * 7919) % 13));
    const a = assignShards(plan, 4);
    const b = assignShards([...plan].reverse(), 4);
    expect(b.shards.map((s) => s.map((t) => t.key))).toEqual(a.shards.map((s) => s.map((t) => t.key)));
    expect(b.hash).toBe(a.hash);
    const keys = a.shards.flat().map((t) => t.key);
    expect(keys).toHaveLength(37);
    expect(new Set(keys).size).toBe(37);
    expect(a.loads).toEqual(a.shards.map((s) => s.reduce((sum, t) => sum + t.cost, 0)));
  });

  test('loads are balanced within the LPT bound (largest ≤ 4/3 of the optimum, here ≤ mean + largest trial)', () => {
    const plan = trials(50, (i) => [20, 6.5, 30][i % 3]!);
    for (const n of [2, 3, 5, 7]) {
      const { loads } = assignShards(plan, n);
      const mean = loads.reduce((a, b) => a + b, 0) / n;
      expect(Math.max(...loads)).toBeLessThanOrEqual(mean + 30);
      expect(Math.max(...loads)).toBeLessThanOrEqual((4 / 3) * Math.max(mean, 30));
    }
  });

  test('one shard is the whole plan; more shards than trials leave some empty', () => {
    const plan = trials(3, () => 1);
    expect(assignShards(plan, 1).shards[0]).toHaveLength(3);
    expect(assignShards(plan, 5).shards.map((s) => s.length)).toEqual([1, 1, 1, 0, 0]);
    expect(() => assignShards(plan, 0)).toThrow(/positive integer/);
  });

  test('the plan holds each trial once: matrices of one NAS share their clean control', () => {
    const tier = loadTier('smoke');
    const flip = validateMatrixSpec({ nas: 'random', attack: 'random-label-flip', budgets: [0.5] });
    const again = validateMatrixSpec({ nas: 'random', attack: 'random-label-flip', budgets: [0.1], trials: { min: 2, max: 4 } });
    const key = (p: TrialPlan) => trialId(p);
    const planned = planTrials(
      [
        { file: 'a.spec.ts', label: 'a', spec: flip },
        { file: 'b.spec.ts', label: 'b', spec: again },
      ],
      tier,
      key,
      () => 1,
    );
    // a: 3 clean + 3 at 0.5 (the tier's 3 trials); b, sequential, at its max of 4: 4 clean (3 shared) + 4 at 0.1.
    expect(planned.filter((t) => t.plan.attack === 'clean').map((t) => t.plan.trialIndex)).toEqual([0, 1, 2, 3]);
    expect(planned).toHaveLength(4 + 3 + 4);
  });
});

function record(overrides: Partial<ShardRecord> = {}, index = 1): ShardRecord {
  return {
    runId: `run-${index}`,
    shard: { index, count: 3 },
    tier: 'smoke',
    backend: 'wasm',
    codeVersion: 'abc123',
    datasetHash: 'data',
    planArguments: ['--tier', 'smoke', '--backend', 'wasm', 'benchmarks/pdarts'],
    plan: { hash: 'p'.repeat(64), keys: ['k1', 'k2', 'k3', 'k4'] },
    keys: [`k${index}`],
    estimatedCost: { shard: 1, total: 4 },
    ...overrides,
  };
}

const found = (...records: ShardRecord[]): FoundShard[] => records.map((r, i) => ({ source: `s${i + 1}.db`, record: r }));

describe('merging shards', () => {
  test('shards of one plan fit; the coverage names the missing ones', () => {
    const shards = found(record({}, 1), record({ keys: ['k2', 'k4'] }, 2));
    expect(shardRefusal(shards)).toBeUndefined();
    expect(shardCoverage(shards)).toEqual({ count: 3, present: [1, 2], missing: [3], missingTrials: 1, totalTrials: 4 });
    expect(shardCoverage(found(record({ keys: ['k1', 'k3'] }, 1), record({ keys: ['k2', 'k4'] }, 2), record({ keys: [] }, 3)))).toMatchObject({ missing: [], missingTrials: 0 });
  });

  test.each([
    ['code version', { codeVersion: 'def456' }, /has code version abc123 but s2\.db \(shard 2\/3, run run-2\) has def456 — different code/],
    ['tier', { tier: 'standard' }, /has tier smoke but .* has standard — trials of different tiers/],
    ['backend', { backend: 'tensorflow' }, /has backend wasm but .* has tensorflow — trials on different backends/],
    ['dataset', { datasetHash: 'other' }, /has dataset data but .* has other/],
    ['shard count', { shard: { index: 2, count: 4 } }, /has shard count 3 but .* has 4/],
    ['plan', { plan: { hash: 'q'.repeat(64), keys: [] } }, /has plan pppppppppppp but .* has qqqqqqqqqqqq — the shards were given different spec files/],
  ])('shards of different %s are refused with the reason', (_what, change, message) => {
    const refusal = shardRefusal(found(record({}, 1), record(change as Partial<ShardRecord>, 2)));
    expect(refusal).toMatch(/^refusing to merge: s1\.db \(shard 1\/3, run run-1\)/);
    expect(refusal).toMatch(message);
  });

  test('a stored record reads back; something else is not a record', () => {
    const r = record();
    expect(parseShardRecord(JSON.stringify(r))).toEqual(r);
    expect(parseShardRecord('{"runId":"x"}')).toBeUndefined();
    expect(parseShardRecord('not json')).toBeUndefined();
  });

  test('the verdict command repeats the plan arguments over the merged store, quoted for a shell', () => {
    expect(verdictCommand(record({ planArguments: ['--tier', 'my tier.json', '--backend', 'wasm', '--fixture'] }), 'merged.db')).toBe(
      "npx naspoison run --store merged.db --tier 'my tier.json' --backend wasm --fixture",
    );
  });
});
