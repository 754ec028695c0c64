// P-DARTS derivation: pruning keeps the strongest ops per edge; the final cell never takes `none`
// while another op exists and holds at most maxSkipConnects skip-connects (the weakest extra ones
// give way to their edge's next op). Plus one real, tiny search: deterministic, valid genotype,
// documented diagnostics.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { syntheticDataset } from '../../data/synthetic.js';
import { initBackend } from '../../engine/backend.js';
import { loadTier } from '../../run/tiers.js';
import { countOp, genotypeToString, isGenotype } from '../../space/genotype.js';
import { NB201_OPS, type Nb201Op } from '../../space/ops.js';
import { nasAlgorithms } from '../index.js';
import { pdarts } from './index.js';
import { deriveWithSkipLimit, pruneEdgeOps } from './search.js';

const ALL = (): Nb201Op[][] => Array.from({ length: 6 }, () => [...NB201_OPS]);
const [NONE, SKIP, C1, C3, AVG] = NB201_OPS;

describe('pruneEdgeOps', () => {
  test('keeps the k strongest ops of each edge, listed in NB201 order', () => {
    const weights = [
      [0.1, 0.3, 0.05, 0.4, 0.15], // conv3, skip, avg
      [0.5, 0.1, 0.2, 0.1, 0.1], // none, conv1, then a tie skip/conv3/avg → skip (NB201 order)
      [0.05, 0.05, 0.3, 0.3, 0.3], // conv1, conv3, avg
      [0.3, 0.25, 0.2, 0.15, 0.1], // none, skip, conv1
      [0.1, 0.15, 0.2, 0.25, 0.3], // conv1, conv3, avg
      [0.2, 0.2, 0.2, 0.2, 0.2], // all tied → first three in NB201 order
    ];
    expect(pruneEdgeOps(ALL(), weights, 3)).toEqual([
      [SKIP, C3, AVG],
      [NONE, SKIP, C1],
      [C1, C3, AVG],
      [NONE, SKIP, C1],
      [C1, C3, AVG],
      [NONE, SKIP, C1],
    ]);
  });

  test('weights index the edge\'s current ops, not NB201 positions (a second pruning)', () => {
    const edgeOps: Nb201Op[][] = [[SKIP, C3, AVG], [NONE, C1, C3], [C1, AVG, SKIP], [NONE, SKIP, C1], [C3, C1, AVG], [NONE, SKIP, AVG]];
    const weights = [
      [0.2, 0.5, 0.3],
      [0.6, 0.1, 0.3],
      [0.1, 0.2, 0.7], // skip strongest, then avg; given out of NB201 order
      [0.3, 0.3, 0.4],
      [0.5, 0.4, 0.1],
      [0.4, 0.35, 0.25],
    ];
    expect(pruneEdgeOps(edgeOps, weights, 2)).toEqual([
      [C3, AVG],
      [NONE, C3],
      [SKIP, AVG],
      [NONE, C1], // tie none/skip at 0.3 → none first in NB201 order, with conv1 (0.4)
      [C1, C3],
      [NONE, SKIP],
    ]);
  });

  test('keep = 1 leaves the strongest op; keep ≥ the ops left keeps them all', () => {
    const weights = ALL().map((_, e) => NB201_OPS.map((__, k) => (k === e % 5 ? 0.6 : 0.1)));
    expect(pruneEdgeOps(ALL(), weights, 1)).toEqual([[NONE], [SKIP], [C1], [C3], [AVG], [NONE]]);
    expect(pruneEdgeOps(ALL(), weights, 5)).toEqual(ALL());
  });

  test('does not modify its inputs', () => {
    const edgeOps = ALL();
    const weights = ALL().map(() => [0.3, 0.1, 0.2, 0.25, 0.15]);
    const copy = structuredClone(weights);
    pruneEdgeOps(edgeOps, weights, 2);
    expect(edgeOps).toEqual(ALL());
    expect(weights).toEqual(copy);
  });
});

describe('deriveWithSkipLimit', () => {
  test('takes the strongest op per edge', () => {
    const weights = ALL().map((_, e) => NB201_OPS.map((__, k) => (k === 1 + (e % 4) ? 0.6 : 0.1)));
    const g = deriveWithSkipLimit(ALL(), weights, 6);
    expect([...g]).toEqual([SKIP, C1, C3, AVG, SKIP, C1]);
    expect(isGenotype(g)).toBe(true);
    expect(Object.isFrozen(g)).toBe(true);
  });

  test('never picks none while another op exists, however strong none is', () => {
    const weights = ALL().map(() => [0.9, 0.01, 0.03, 0.02, 0.04]);
    const g = deriveWithSkipLimit(ALL(), weights, 2);
    expect(countOp(g, NONE)).toBe(0);
    expect([...g]).toEqual(Array(6).fill(AVG));
  });

  test('picks none on an edge where it is the only op left', () => {
    const edgeOps: Nb201Op[][] = [[NONE], [C3], [NONE, C1], [SKIP], [AVG], [C1]];
    const weights = [[1], [1], [0.99, 0.01], [1], [1], [1]];
    expect([...deriveWithSkipLimit(edgeOps, weights, 2)]).toEqual([NONE, C3, C1, SKIP, AVG, C1]);
  });

  test('caps skip-connects at the limit: the weakest extra ones give way to their edge\'s next op', () => {
    // skip is the strongest op on every edge, with strengths 0.50, 0.45, …, 0.25.
    const skipW = [0.5, 0.45, 0.4, 0.35, 0.3, 0.25];
    const runnerUp: Nb201Op[] = [C1, C3, AVG, C1, C3, AVG];
    const weights = skipW.map((w, e) => NB201_OPS.map((op) => (op === SKIP ? w : op === runnerUp[e] ? 0.2 : op === NONE ? 0.29 : 0.01)));
    for (const limit of [0, 1, 2, 3, 6]) {
      const g = deriveWithSkipLimit(ALL(), weights, limit);
      expect(countOp(g, SKIP)).toBe(limit);
      expect(countOp(g, NONE)).toBe(0);
      // The `limit` strongest skip-connects stay; every other edge takes its runner-up (not none).
      expect([...g]).toEqual(skipW.map((_, e) => (e < limit ? SKIP : runnerUp[e])));
    }
  });

  test('strength decides which skip-connects stay, not edge position', () => {
    const skipW = [0.3, 0.6, 0.35, 0.7, 0.4, 0.5]; // strongest: edges 3, 1
    const weights = skipW.map((w) => [0.0, w, (1 - w) / 3, (1 - w) / 3, (1 - w) / 3 - 0.01]);
    const g = deriveWithSkipLimit(ALL(), weights, 2);
    expect([...g]).toEqual([C1, SKIP, C1, SKIP, C1, C1]);
  });

  test('a skip-connect on an edge with nothing else to fall back to stays, even over the limit', () => {
    const edgeOps: Nb201Op[][] = [[SKIP], [NONE, SKIP], [SKIP, C3], [SKIP, C3], [C3], [C3]];
    const weights = [[1], [0.6, 0.4], [0.9, 0.1], [0.8, 0.2], [1], [1]];
    const g = deriveWithSkipLimit(edgeOps, weights, 1);
    // Edges 0 and 1 have only a skip-connect (none does not count); edges 2 and 3 give theirs up.
    expect([...g]).toEqual([SKIP, SKIP, C3, C3, C3, C3]);
  });

  test('skip-connects under the limit are kept', () => {
    const weights = ALL().map((_, e) => (e < 2 ? [0, 0.6, 0.1, 0.2, 0.1] : [0, 0.1, 0.1, 0.7, 0.1]));
    expect([...deriveWithSkipLimit(ALL(), weights, 2)]).toEqual([SKIP, SKIP, C3, C3, C3, C3]);
  });
});

describe('a real tiny P-DARTS search', () => {
  const tier = loadTier(fileURLToPath(new URL('../../../fixtures/tiers/tiny.json', import.meta.url)));
  const settings = pdarts.settings(tier.nas.pdarts);
  const train = syntheticDataset({ n: 160, seed: 3, height: 8, numClasses: 4 });
  const DIAGNOSTICS = [
    'alphaHistory',
    'convOps',
    'finalAlphaEntropy',
    'finalAlphaLoss',
    'finalSupernetLoss',
    'genotype',
    'noneEdges',
    'parameterFreeOps',
    'searchMs',
    'skipConnections',
    'steps',
  ];

  beforeAll(async () => {
    await initBackend('wasm');
  });

  test('is registered under its name and uses the tier\'s settings (channels 4, 8×8 data)', () => {
    expect(nasAlgorithms.get('pdarts')).toBe(pdarts);
    expect(settings.channels).toBe(4);
    expect(settings.stages.map((s) => s.opsPerEdge)).toEqual([5, 3]);
  });

  test('is deterministic and returns a valid genotype with the documented diagnostics', async () => {
    const lines: string[] = [];
    const a = await pdarts.search({ train, settings, seed: 11, log: (l) => lines.push(l) });
    const b = await pdarts.search({ train, settings, seed: 11 });

    expect(isGenotype(a.genotype)).toBe(true);
    expect([...b.genotype]).toEqual([...a.genotype]);
    const { searchMs: msA, ...restA } = a.diagnostics;
    const { searchMs: msB, ...restB } = b.diagnostics;
    expect(restB).toEqual(restA);
    expect(msA).toBeGreaterThanOrEqual(0);
    expect(msB).toBeGreaterThanOrEqual(0);

    const d = a.diagnostics;
    expect(Object.keys(d).sort()).toEqual(DIAGNOSTICS);
    expect(d.genotype).toBe(genotypeToString(a.genotype));
    expect(d.skipConnections).toBe(countOp(a.genotype, SKIP));
    expect(d.skipConnections as number).toBeLessThanOrEqual(settings.maxSkipConnects);
    expect(d.noneEdges).toBe(0);
    expect(d.convOps).toBe(countOp(a.genotype, C1) + countOp(a.genotype, C3));
    expect(d.parameterFreeOps).toBe(countOp(a.genotype, SKIP) + countOp(a.genotype, AVG) + countOp(a.genotype, NONE));
    expect((d.convOps as number) + (d.parameterFreeOps as number)).toBe(6);
    // searchSubset 100 → halves of 50 → one batch of 64 per epoch; 2 stages × 1 epoch.
    expect(d.steps).toBe(2);
    for (const key of ['finalSupernetLoss', 'finalAlphaLoss', 'finalAlphaEntropy'] as const) {
      expect(typeof d[key]).toBe('number');
      expect(Number.isFinite(d[key])).toBe(true);
    }
    expect(d.finalSupernetLoss as number).toBeGreaterThan(0);
    expect(d.finalAlphaEntropy as number).toBeGreaterThan(0);
    expect(d.finalAlphaEntropy as number).toBeLessThanOrEqual(Math.log(3) + 1e-6);

    // α history: one entry per stage; stage 2 keeps 3 of stage 1's ops per edge; softmax weights.
    const history = JSON.parse(d.alphaHistory as string) as Array<{ stage: number; ops: Nb201Op[][]; weights: number[][] }>;
    expect(history.map((h) => h.stage)).toEqual([1, 2]);
    expect(history[0]!.ops).toEqual(ALL());
    history[1]!.ops.forEach((ops, e) => {
      expect(ops).toHaveLength(3);
      for (const op of ops) expect(history[0]!.ops[e]).toContain(op);
      expect(ops).toContain(a.genotype[e]);
      expect(ops).toEqual(pruneEdgeOps([history[0]!.ops[e]!], [history[0]!.weights[e]!], 3)[0]);
    });
    for (const h of history) {
      for (const w of h.weights) expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 3);
    }
    expect([...a.genotype]).toEqual([...deriveWithSkipLimit(history[1]!.ops, history[1]!.weights, settings.maxSkipConnects)]);

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^pdarts stage 1\/2 epoch 1\/1 · supernet loss \d/);
  });
});
