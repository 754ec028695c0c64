/**
 * TE-NAS's pruning decision, as the authors' `prune_func_rank` (VITA-Group/TENAS and the study's
 * fork ztcoalson/TENAS, prune_tenas.py) makes it: pure functions from the measured κ and R of the
 * current supernet and of each candidate removal to the op removed on each edge.
 *
 * - For each candidate (edge, op) and repeat r: Δκ_r = (κ_super − κ_without) / κ_super and
 *   ΔR_r = (R_super − R_without) / R_super, each rounded to `precision` decimals (Python's round),
 *   then averaged over the repeats.
 * - κ ranking: Δκ descending (removing the op lowers κ the most = most trainable without it, rank
 *   0); R ranking: ΔR ascending (removing the op raises R the most, or lowers it the least, rank 0).
 *   Both sort by the value rounded to `precision` significant figures (round_to) and give equal
 *   values one rank (dense ranks).
 * - Candidates sorted by the sum of the two ranks, ascending (ties: the κ order); on each edge the
 *   first candidate is removed (`prune_number` 1 on NAS-Bench-201).
 *
 * @module
 */
import type { Nb201Op } from '../../space/ops.js';

/** One candidate removal, measured. */
export interface CandidateMeasurement {
  edge: number;
  op: Nb201Op;
  /** κ of the supernet and κ without the op, per repeat (same weights within a repeat). */
  kappa: ReadonlyArray<{ supernet: number; without: number }>;
  /** R of the region network and R without the op, per repeat. */
  regions: ReadonlyArray<{ supernet: number; without: number }>;
}

/** A candidate with its changes, ranks and rank sum. */
export interface RankedCandidate {
  edge: number;
  op: Nb201Op;
  /** Mean rounded relative change of κ (higher: removing the op helps trainability more). */
  kappaChange: number;
  /** Mean rounded relative change of R (lower: removing the op helps expressivity more). */
  regionsChange: number;
  kappaRank: number;
  regionsRank: number;
  rankSum: number;
}

/**
 * Python 3's `round(x, digits)`: the double nearest to x rounded to `digits` decimals, exact ties
 * (x's binary value exactly halfway) to even. Non-finite x and |x| ≥ 1e15 are returned as they are.
 */
export function roundDecimals(x: number, digits: number): number {
  if (!Number.isFinite(x) || x === 0 || Math.abs(x) >= 1e15) return x;
  // toFixed gives the exact decimal expansion of the double to that many digits: a double's
  // expansion terminates, and one within 30 digits of a tie shows it within them.
  const [whole, fraction = ''] = Math.abs(x).toFixed(Math.min(100, digits + 30)).split('.');
  let kept = BigInt(`${whole}${fraction.slice(0, digits)}`);
  const rest = fraction.slice(digits);
  const above = rest[0]! > '5' || (rest[0] === '5' && /[1-9]/.test(rest.slice(1)));
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  if (above || (tie && kept % 2n === 1n)) kept += 1n;
  const rounded = Number(`${kept}e-${digits}`);
  return x < 0 ? -rounded : rounded;
}

/**
 * The authors' `round_to(number, precision)`: `number` rounded to `precision` significant figures
 * (after adding eps = 1e-8 to its magnitude), the key both rankings sort by. Non-finite values are
 * their own key.
 */
export function roundSignificant(x: number, precision: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const magnitude = Math.abs(x) + 1e-8;
  // math.log(number, 10) in Python is log(number) / log(10), which is not always log10.
  const power = Math.floor(Math.log(magnitude) / Math.log(10)) + 1;
  return Math.sign(x) * roundDecimals(magnitude * 10 ** -power, precision) * 10 ** power;
}

/**
 * The relative change (before − after) / before of a quantity that removing an op moves. A κ that
 * is not a positive finite number (a singular NTK: λ_min ≤ 0 or not a number) counts as +∞, the
 * worst trainability: removing an op that makes κ infinite is a change of −∞, one that makes an
 * infinite κ finite a change of 1 (the limit), and ∞ → ∞ no change.
 */
export function relativeChange(before: number, after: number): number {
  const b = Number.isFinite(before) && before > 0 ? before : Infinity;
  const a = Number.isFinite(after) && after > 0 ? after : Infinity;
  if (b === Infinity) return a === Infinity ? 0 : 1;
  if (a === Infinity) return -Infinity;
  return (b - a) / b;
}

/** Mean over repeats of the rounded relative changes (the authors' `np.mean(ntk_delta)`). */
export function meanRoundedChange(pairs: ReadonlyArray<{ supernet: number; without: number }>, precision: number): number {
  if (pairs.length === 0) throw new Error('tenas: a candidate needs at least one repeat');
  let sum = 0;
  for (const { supernet, without } of pairs) sum += roundDecimals(relativeChange(supernet, without), precision);
  return sum / pairs.length;
}

/**
 * Dense ranks in the order `sorted` gives (the authors' loop): 0 for the first, the previous rank
 * for a value equal to the previous one, the previous rank + 1 otherwise.
 */
function denseRanks<T>(sorted: readonly T[], value: (item: T) => number): Map<T, number> {
  const ranks = new Map<T, number>();
  sorted.forEach((item, i) => {
    if (i === 0) ranks.set(item, 0);
    else {
      const previous = sorted[i - 1]!;
      const rank = ranks.get(previous)!;
      ranks.set(item, value(item) === value(previous) ? rank : rank + 1);
    }
  });
  return ranks;
}

/** A stable sort (Array.prototype.sort is stable since ES2019; this names the reliance). */
function stableSorted<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => compare(a.item, b.item) || a.index - b.index)
    .map(({ item }) => item);
}

/** Descending comparison of sort keys that may be ±∞ (never NaN here). */
function descending(a: number, b: number): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

/**
 * Ranks the candidate removals of one round as `prune_func_rank` does and returns them in the
 * order of their rank sums (best removal first). `measurements` must be in the authors' visiting
 * order (edges in order, ops in NB201 order), which breaks the ties of the stable sorts.
 */
export function rankCandidates(measurements: readonly CandidateMeasurement[], precision: number): RankedCandidate[] {
  const changes = measurements.map((m) => ({
    edge: m.edge,
    op: m.op,
    kappaChange: meanRoundedChange(m.kappa, precision),
    regionsChange: meanRoundedChange(m.regions, precision),
  }));
  const byKappa = stableSorted(changes, (a, b) => descending(roundSignificant(a.kappaChange, precision), roundSignificant(b.kappaChange, precision)));
  const kappaRanks = denseRanks(byKappa, (c) => c.kappaChange);
  const byRegions = stableSorted(changes, (a, b) => -descending(roundSignificant(a.regionsChange, precision), roundSignificant(b.regionsChange, precision)));
  const regionsRanks = denseRanks(byRegions, (c) => c.regionsChange);
  // The authors' rankings dict is filled in κ order, so rank-sum ties keep the κ order.
  const ranked = byKappa.map((c) => {
    const kappaRank = kappaRanks.get(c)!;
    const regionsRank = regionsRanks.get(c)!;
    return { ...c, kappaRank, regionsRank, rankSum: kappaRank + regionsRank };
  });
  return stableSorted(ranked, (a, b) => a.rankSum - b.rankSum);
}

/**
 * The removals of one round: on each edge that has candidates, the first `pruneNumber` of them in
 * rank-sum order (TE-NAS on NAS-Bench-201: one per edge per round).
 */
export function chooseRemovals(ranked: readonly RankedCandidate[], pruneNumber = 1): Map<number, Nb201Op[]> {
  const removals = new Map<number, Nb201Op[]>();
  for (const c of ranked) {
    const chosen = removals.get(c.edge) ?? [];
    if (chosen.length < pruneNumber) removals.set(c.edge, [...chosen, c.op]);
  }
  return removals;
}
