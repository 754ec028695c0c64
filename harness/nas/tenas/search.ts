/**
 * TE-NAS (Chen, Gong & Wang, ICLR 2021) on NAS-Bench-201: no training, no labels. Start from the
 * full supernet (all five ops on each of the six edges, α uniform and never trained); the authors'
 * code removes `none` from every edge first. Then prune in rounds until one op per edge remains:
 * each round measures, for every op of every edge that still has more than one, the NTK condition
 * number κ (lower = more trainable) and the number of linear regions R (higher = more expressive)
 * of the supernet without that op, against the supernet itself, on the same weights; ranks the
 * candidate removals by both and removes on each edge the one with the best rank sum
 * (./ranking.ts). κ and R are averaged over `repeats` weight initialisations, κ on one batch of
 * the search set's images and R on one set of one-channel crops, both drawn by the seed only
 * (./inputs.ts).
 *
 * With `pruneNoneFirst: false`, `none` competes too; a removal that would leave no path from the
 * cell's input to its output except through `none` (a degenerate supernet: output independent of
 * the input, κ and R meaningless) is not a candidate. Every edge keeps a candidate: dropping `none`
 * or one of two non-`none` ops never cuts the last path.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../engine/rng.js';
import { isDegenerate } from '../../space/canonical.js';
import { countOp, genotypeToString, makeGenotype, type Nb201Genotype } from '../../space/genotype.js';
import { buildNetwork } from '../../space/network.js';
import { NB201_EDGES, NB201_OPS, type Nb201Op } from '../../space/ops.js';
import { linearRegions, ntkConditionNumber, type ProxyBatch, type ProxyNetwork } from '../../proxies/index.js';
import type { SearchContext, SearchOutcome } from '../types.js';
import { ntkBatch, regionBatch } from './inputs.js';
import { ntkSupernet, regionNetwork, type MaskableNetwork } from './networks.js';
import { chooseRemovals, rankCandidates, type CandidateMeasurement } from './ranking.js';
import type { TenasSettings } from './settings.js';

/** The two training-free metrics TE-NAS combines (replaceable in tests). */
export interface TenasProxies {
  /** NTK condition number κ = λ_max/λ_min (lower is better). */
  ntk(network: ProxyNetwork, batch: ProxyBatch): Promise<number>;
  /** Number of distinct ReLU activation patterns over the batch (higher is better). */
  linearRegions(network: ProxyNetwork, batch: ProxyBatch): Promise<number>;
}

/** harness/proxies' implementations. */
export const TENAS_PROXIES: TenasProxies = { ntk: ntkConditionNumber, linearRegions };

/** Channels of the region network: the authors' thin network (`C: 1`), fed one-channel crops. */
const REGION_CHANNELS = 1;

/** A representative single-path cell of a supernet: a non-`none` op on each edge that has one. */
function representative(edgeOps: ReadonlyArray<readonly Nb201Op[]>): Nb201Genotype {
  return makeGenotype(edgeOps.map((ops) => ops.find((op) => op !== 'none') ?? 'none'));
}

/** Whether the supernet's output is independent of its input (only `none` connects input and output). */
export function isDegenerateSupernet(edgeOps: ReadonlyArray<readonly Nb201Op[]>): boolean {
  return isDegenerate(representative(edgeOps));
}

/** The candidate removals of a round, in the authors' visiting order (edges, then NB201 op order). */
export function candidateRemovals(edgeOps: ReadonlyArray<readonly Nb201Op[]>): Array<{ edge: number; op: Nb201Op }> {
  const candidates: Array<{ edge: number; op: Nb201Op }> = [];
  edgeOps.forEach((ops, edge) => {
    if (ops.length < 2) return;
    for (const op of NB201_OPS) {
      if (!ops.includes(op)) continue;
      const without = edgeOps.map((o, e) => (e === edge ? o.filter((x) => x !== op) : o));
      if (!isDegenerateSupernet(without)) candidates.push({ edge, op });
    }
  });
  return candidates;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** A finite number for diagnostics (JSON has no ∞ or NaN). */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** κ that is not a positive finite number counts as ∞ (singular NTK), as in ./ranking.ts. */
function kappaKey(k: number): number {
  return Number.isFinite(k) && k > 0 ? k : Infinity;
}

/** Dense ranks of `values` (0 = first in the order `better` defines; equal values share a rank). */
function denseRanks(values: readonly number[], better: (a: number, b: number) => number): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => better(a.v, b.v) || a.i - b.i);
  const ranks = new Array<number>(values.length);
  order.forEach(({ v, i }, k) => {
    ranks[i] = k === 0 ? 0 : v === order[k - 1]!.v ? ranks[order[k - 1]!.i]! : ranks[order[k - 1]!.i]! + 1;
  });
  return ranks;
}

/** Runs TE-NAS on `context.train` (its images only). */
export async function tenasSearch(context: SearchContext<TenasSettings>, proxies: TenasProxies = TENAS_PROXIES): Promise<SearchOutcome> {
  const { train, settings: s, seed, panel, log } = context;
  const started = performance.now();
  const rng = new Rng(seed).child('tenas');
  const ntkInput = ntkBatch(train, s.batchSize, rng.child('ntk-batch'));
  let regionInput: ProxyBatch;
  try {
    regionInput = regionBatch(train, s.regionSamples, s.regionCrop, rng.child('region-crops'));
  } catch (error) {
    ntkInput.x.dispose();
    throw error;
  }
  const supernetShape = { channels: s.channels, cellsPerStage: s.cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses };
  const regionShape = { channels: REGION_CHANNELS, numClasses: train.numClasses };
  const initSeed = (what: string, ...labels: Array<string | number>) => new Rng(deriveSeed(seed, 'tenas', what, ...labels));

  /** κ and R of `edgeOps` (as it is, and without each candidate) for repeat r of a round. */
  const measure = async (network: MaskableNetwork, metric: TenasProxies['ntk'], batch: ProxyBatch, candidates: ReadonlyArray<{ edge: number; op: Nb201Op }>) => {
    try {
      network.hide(null);
      const supernet = await metric(network, batch);
      const without: number[] = [];
      for (const c of candidates) {
        network.hide(c);
        without.push(await metric(network, batch));
      }
      network.hide(null);
      return { supernet, without };
    } finally {
      network.dispose();
    }
  };

  try {
    let edgeOps: Nb201Op[][] = NB201_EDGES.map(() => [...NB201_OPS]);
    if (s.pruneNoneFirst) edgeOps = edgeOps.map((ops) => ops.filter((op) => op !== 'none'));
    const history: Array<{ round: number; removed: string[] }> = [];
    let scored = 0;
    for (let round = 1; edgeOps.some((ops) => ops.length > 1); round++) {
      const candidates = candidateRemovals(edgeOps);
      const kappaRuns: Array<{ supernet: number; without: number[] }> = [];
      const regionRuns: Array<{ supernet: number; without: number[] }> = [];
      for (let r = 0; r < s.repeats; r++) {
        kappaRuns.push(await measure(ntkSupernet(edgeOps, supernetShape, initSeed('ntk-init', round, r)), proxies.ntk, ntkInput, candidates));
        regionRuns.push(await measure(regionNetwork(edgeOps, regionShape, initSeed('region-init', round, r)), proxies.linearRegions, regionInput, candidates));
      }
      const measurements: CandidateMeasurement[] = candidates.map((c, i) => ({
        ...c,
        kappa: kappaRuns.map((run) => ({ supernet: run.supernet, without: run.without[i]! })),
        regions: regionRuns.map((run) => ({ supernet: run.supernet, without: run.without[i]! })),
      }));
      scored += candidates.length;
      const removals = chooseRemovals(rankCandidates(measurements, s.precision));
      edgeOps = edgeOps.map((ops, e) => ops.filter((op) => !(removals.get(e) ?? []).includes(op)));
      const removed = [...removals].flatMap(([e, ops]) => ops.map((op) => `${NB201_EDGES[e]!.to}<-${NB201_EDGES[e]!.from}:${op}`));
      history.push({ round, removed });
      log?.(`tenas: round ${round} · ${candidates.length} candidate removals · removed ${removed.join(', ')}`);
    }
    const genotype = makeGenotype(edgeOps.map((ops) => ops[0]!));

    // κ and R of the cell found (the last round's removals were chosen together, never measured).
    const finalKappas: number[] = [];
    const finalRegions: number[] = [];
    for (let r = 0; r < s.repeats; r++) {
      finalKappas.push((await measure(ntkSupernet(edgeOps, supernetShape, initSeed('final-ntk', r)), proxies.ntk, ntkInput, [])).supernet);
      finalRegions.push((await measure(regionNetwork(edgeOps, regionShape, initSeed('final-region', r)), proxies.linearRegions, regionInput, [])).supernet);
    }

    const panelScores = s.scorePanel && panel && panel.length > 0 ? await scorePanel(panel, s, supernetShape, regionShape, seed, proxies, ntkInput, regionInput) : undefined;
    return {
      genotype,
      ...(panelScores ? { panelScores } : {}),
      diagnostics: {
        searchMs: Math.round(performance.now() - started),
        rounds: history.length,
        candidatesScored: scored,
        finalKappa: finiteOrNull(mean(finalKappas.map(kappaKey))),
        finalRegions: mean(finalRegions),
        skipConnections: countOp(genotype, 'skip_connect'),
        convOps: countOp(genotype, 'nor_conv_3x3') + countOp(genotype, 'nor_conv_1x1'),
        pruneHistory: JSON.stringify(history),
        genotype: genotypeToString(genotype),
      },
    };
  } finally {
    tf.dispose([ntkInput.x, regionInput.x]);
  }
}

/**
 * TE-NAS's signal on the panel cells, each built as a single network (the NTK network at the
 * supernet's size, the one-channel region network): κ and R averaged over the repeats, ranked (κ
 * ascending, R descending, equal values sharing a rank), score = −(rank of κ + rank of R).
 */
async function scorePanel(
  panel: readonly Nb201Genotype[],
  s: TenasSettings,
  supernetShape: { channels: number; cellsPerStage: number; inputChannels: number; numClasses: number },
  regionShape: { channels: number; numClasses: number },
  seed: number,
  proxies: TenasProxies,
  ntkInput: ProxyBatch,
  regionInput: ProxyBatch,
): Promise<number[]> {
  const kappas: number[] = [];
  const regions: number[] = [];
  for (const [i, genotype] of panel.entries()) {
    const k: number[] = [];
    const rs: number[] = [];
    for (let r = 0; r < s.repeats; r++) {
      const network = buildNetwork(genotype, supernetShape, new Rng(deriveSeed(seed, 'tenas', 'panel-ntk', i, r)));
      try {
        k.push(kappaKey(await proxies.ntk(network, ntkInput)));
      } finally {
        network.dispose();
      }
      const thin = regionNetwork(
        genotype.map((op) => [op]),
        regionShape,
        new Rng(deriveSeed(seed, 'tenas', 'panel-region', i, r)),
      );
      try {
        rs.push(await proxies.linearRegions(thin, regionInput));
      } finally {
        thin.dispose();
      }
    }
    kappas.push(mean(k));
    regions.push(mean(rs));
  }
  const kappaRanks = denseRanks(kappas, (a, b) => (a === b ? 0 : a < b ? -1 : 1));
  const regionRanks = denseRanks(regions, (a, b) => (a === b ? 0 : a > b ? -1 : 1));
  return kappas.map((_, i) => 0 - (kappaRanks[i]! + regionRanks[i]!));
}
