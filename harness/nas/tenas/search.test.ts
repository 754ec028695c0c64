// TE-NAS search at a tiny size: it never reads labels — flipped or permuted labels give the
// identical cell, panel scores and measurements for the same seed — prunes to one op per edge in
// the published number of rounds, and never prunes its supernet into a degenerate one.
import { beforeAll, describe, expect, test } from 'vitest';
import { randomLabelFlip } from '../../attacks/random-label-flip.js';
import { applyPoison } from '../../attacks/poison.js';
import { createImageDataset } from '../../data/dataset.js';
import { syntheticPair } from '../../data/index.js';
import { initBackend } from '../../engine/backend.js';
import { Rng } from '../../engine/rng.js';
import type { ProxyBatch, ProxyNetwork } from '../../proxies/types.js';
import { isDegenerate } from '../../space/canonical.js';
import { genotypeFromString, genotypeToString } from '../../space/genotype.js';
import { NB201_OPS, type Nb201Op } from '../../space/ops.js';
import { candidateRemovals, isDegenerateSupernet, tenasSearch, TENAS_PROXIES, type TenasProxies } from './search.js';
import { tenasSettings } from './settings.js';

const settings = tenasSettings({ channels: 2, batchSize: 3, repeats: 1, regionSamples: 100, regionCrop: 3 });
const panel = [
  '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|',
  '|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|avg_pool_3x3~2|',
  '|nor_conv_1x1~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|',
].map(genotypeFromString);
const { train } = syntheticPair({ trainN: 48, testN: 8, seed: 5, height: 8, width: 8, channels: 1, numClasses: 4 });

/** The search's result without its wall-clock time. */
function comparable(outcome: Awaited<ReturnType<typeof tenasSearch>>) {
  const { searchMs: _searchMs, ...diagnostics } = outcome.diagnostics;
  return { genotype: genotypeToString(outcome.genotype), panelScores: outcome.panelScores, diagnostics };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('TE-NAS never reads labels', () => {
  test('same seed, half the labels flipped or all of them permuted: the identical search, trial for trial', async () => {
    const clean = comparable(await tenasSearch({ train, settings, seed: 7, panel }));
    const artifact = await randomLabelFlip.craft(train, 0.5, { seed: 99, backend: 'wasm' });
    const flipped = applyPoison(train, artifact);
    expect(Array.from(flipped.labels)).not.toEqual(Array.from(train.labels));
    const permutation = new Rng(3).permutation(train.n);
    const permuted = createImageDataset({ ...train, labels: Int32Array.from(permutation, (i) => train.labels[i]!), source: 'permuted labels' });
    expect(comparable(await tenasSearch({ train: flipped, settings, seed: 7, panel }))).toEqual(clean);
    expect(comparable(await tenasSearch({ train: permuted, settings, seed: 7, panel }))).toEqual(clean);
    expect(clean.panelScores).toHaveLength(panel.length);
  });

  test('the metrics receive only zeros as labels, and the same images whatever the labels', async () => {
    const seen: Array<{ labels: number[]; x: number[] }> = [];
    const spy = (metric: (n: ProxyNetwork, b: ProxyBatch) => Promise<number>) => async (network: ProxyNetwork, batch: ProxyBatch) => {
      if (seen.length < 4) seen.push({ labels: Array.from(batch.labels), x: Array.from(await batch.x.data()) });
      return metric(network, batch);
    };
    const spies: TenasProxies = { ntk: spy(async () => 1), linearRegions: spy(async () => 1) };
    const quick = { ...settings, scorePanel: false };
    await tenasSearch({ train, settings: quick, seed: 1 }, spies);
    const first = seen.splice(0);
    const reversed = createImageDataset({ ...train, labels: Int32Array.from(train.labels, (y) => train.numClasses - 1 - y), source: 'reversed labels' });
    await tenasSearch({ train: reversed, settings: quick, seed: 1 }, spies);
    expect(seen).toEqual(first);
    for (const { labels } of first) expect(new Set(labels)).toEqual(new Set([0]));
  });
});

describe('pruning', () => {
  /** Proxies that see no difference between networks: every removal ties. */
  const flat: TenasProxies = { ntk: async () => 10, linearRegions: async () => 5 };

  test('removes none first, then one op per edge per round: 3 rounds to a single path; ties remove the first op in NB201 order', async () => {
    const out = await tenasSearch({ train, settings: { ...settings, scorePanel: false }, seed: 2 }, flat);
    expect(out.diagnostics).toMatchObject({ rounds: 3, candidatesScored: 6 * (4 + 3 + 2), finalKappa: 10, finalRegions: 5, skipConnections: 0, convOps: 0 });
    // Every candidate ties, and the authors' stable sorts then remove skip, 1×1, 3×3 in turn.
    expect(genotypeToString(out.genotype)).toBe('|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|');
    const history = JSON.parse(String(out.diagnostics.pruneHistory)) as Array<{ round: number; removed: string[] }>;
    expect(history.map((h) => h.removed.length)).toEqual([6, 6, 6]);
    expect(history[0]!.removed).toContain('1<-0:skip_connect');
    expect(out.panelScores).toBeUndefined();
  });

  test('with none competing (pruneNoneFirst false): 4 rounds, and removals that would leave only none between input and output are no candidates', async () => {
    const out = await tenasSearch({ train, settings: { ...settings, pruneNoneFirst: false, scorePanel: false }, seed: 2 }, flat);
    expect(out.diagnostics).toMatchObject({ rounds: 4, candidatesScored: 6 * (5 + 4 + 3 + 2) });
    expect(isDegenerate(out.genotype)).toBe(false);

    // Only path 0 → 1 → 3: 1←0 has {none, conv}, 3←1 has skip; all other edges are none.
    const ops = (...x: Nb201Op[]) => x;
    const sparse = [ops('none', 'nor_conv_3x3'), ops('none'), ops('none'), ops('none'), ops('skip_connect'), ops('none')];
    expect(isDegenerateSupernet(sparse)).toBe(false);
    expect(candidateRemovals(sparse)).toEqual([{ edge: 0, op: 'none' }]);
    expect(isDegenerateSupernet([ops('none'), ...sparse.slice(1)])).toBe(true);
    // The full supernet: every op of every edge is a candidate, in NB201 order.
    const full = Array.from({ length: 6 }, () => [...NB201_OPS]);
    expect(candidateRemovals(full)).toHaveLength(30);
    expect(candidateRemovals(full).slice(0, 5).map((c) => c.op)).toEqual([...NB201_OPS]);
  });

  test('with the real proxies: a non-degenerate cell without none, κ and R of it, panel scores as negated rank sums', async () => {
    const out = await tenasSearch({ train, settings, seed: 11, panel }, TENAS_PROXIES);
    expect(out.genotype).not.toContain('none');
    expect(out.diagnostics.rounds).toBe(3);
    expect(out.diagnostics.finalKappa === null || (out.diagnostics.finalKappa as number) >= 1).toBe(true);
    expect(out.diagnostics.finalRegions as number).toBeGreaterThanOrEqual(1);
    expect(out.diagnostics.finalRegions as number).toBeLessThanOrEqual(settings.regionSamples);
    for (const score of out.panelScores!) expect(Number.isInteger(score) && score <= 0).toBe(true);
    expect(Math.max(...out.panelScores!)).toBeGreaterThanOrEqual(-1);
  });

  test('a batch or a crop larger than the search set allows is refused, naming it', async () => {
    await expect(tenasSearch({ train, settings: { ...settings, batchSize: 49 }, seed: 1 })).rejects.toThrow(/NTK batch needs 49 images, the search set has 48/);
    await expect(tenasSearch({ train, settings: { ...settings, regionCrop: 9 }, seed: 1 })).rejects.toThrow(/9×9 region crops do not fit the search set's 8×8 images/);
  });
});
