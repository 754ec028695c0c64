/**
 * Significance-aware leaderboard (groundwork): from several runs' results, one table per
 * attack × budget × defence that ranks NAS methods by mean ΔImp under poisoning, with a CI for each
 * mean and **rank groups**: a method's rank is 1 + the number of methods significantly better than
 * it (two-sided Welch tests between every pair of the table, Benjamini–Hochberg over the table's
 * pairs at α), so methods that no test separates share a rank.
 *
 * Runs are only combined when they share results schema version, protocol version, tier, dataset
 * (by hash), α and training recipe; the same cell from several runs is pooled (values concatenated), and the runs are named in
 * the entry.
 *
 * @module
 */

import { benjaminiHochberg, tQuantile, welchOneSided } from '../stats/index.js';
import { CLEAN_ATTACK, NO_DEFENCE } from './cells.js';
import { summarizeMetric } from './build.js';
import { formatBudget, formatNumber } from './interpret.js';
import { validateResults } from './schema.js';
import { RESULTS_SCHEMA_VERSION, type RunResults } from './types.js';

/** One NAS method in one leaderboard table. */
export interface LeaderboardEntry {
  /** NAS method. */
  readonly nas: string;
  /** Runs whose trials were pooled into this entry. */
  readonly runIds: readonly string[];
  /** Number of trials (completed) pooled. */
  readonly n: number;
  /** Mean ΔImp under poisoning (pp); `null` without trials. */
  readonly mean: number | null;
  /** sd of ΔImp (pp); `null` below two trials. */
  readonly sd: number | null;
  /** Two-sided (1 − α) t-interval of the mean; `null` below two trials. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** 1 + number of methods significantly better; `null` below two trials (not ranked). */
  readonly rank: number | null;
  /** Ranked methods no test separated from this one. */
  readonly notSignificantlyDifferentFrom: readonly string[];
  /** Methods this one is significantly better than. */
  readonly significantlyBetterThan: readonly string[];
}

/** The ranking for one attack × budget × defence. */
export interface LeaderboardTable {
  readonly attack: string;
  readonly budget: number;
  readonly defence: string;
  /** Number of pairwise tests in this table's BH family. */
  readonly pairs: number;
  /** Entries by rank (unranked last), then by mean ΔImp, descending. */
  readonly entries: readonly LeaderboardEntry[];
}

/** A leaderboard over runs of one protocol, tier and dataset. */
export interface Leaderboard {
  readonly protocolVersion: string;
  readonly tier: string;
  readonly dataset: { readonly name: string; readonly hash: string };
  readonly alpha: number;
  /** The ranked metric (ΔImp under poisoning). */
  readonly metric: 'deltaImprovement';
  /** Ids of the runs combined. */
  readonly runIds: readonly string[];
  readonly tables: readonly LeaderboardTable[];
}

function requireSame(runs: readonly RunResults[], what: string, get: (r: RunResults) => string | number): void {
  const values = [...new Set(runs.map(get))];
  if (values.length > 1) {
    const detail = runs.map((r) => `${r.run.id}: ${String(get(r))}`).join(', ');
    throw new Error(`buildLeaderboard: runs with different ${what} cannot share a leaderboard (${detail})`);
  }
}

/** Two-sided Welch p of a vs b (2 × the smaller one-sided p, capped at 1). */
function twoSidedP(a: readonly number[], b: readonly number[]): number {
  const less = welchOneSided(a, b, 'less');
  const greater = welchOneSided(a, b, 'greater');
  if (less.state !== 'computed' || greater.state !== 'computed') return 1;
  return Math.min(1, 2 * Math.min(less.p, greater.p));
}

/**
 * Builds the leaderboard of `runs` (each validated first). Runs without cells (sensitivity tables
 * only) have nothing to rank and are left out.
 *
 * @throws Error when the runs differ in protocol version, tier, dataset hash, α or recipe, or none is given.
 */
export function buildLeaderboard(runs: readonly unknown[]): Leaderboard {
  if (runs.length === 0) throw new Error('buildLeaderboard: no runs');
  const versions = runs.map((r) => (typeof r === 'object' && r !== null ? (r as { schemaVersion?: unknown }).schemaVersion : undefined));
  if (new Set(versions).size > 1 || (versions[0] !== undefined && versions[0] !== RESULTS_SCHEMA_VERSION)) {
    const detail = runs.map((r, i) => `${String((r as { run?: { id?: unknown } } | null)?.run?.id ?? `run ${i}`)}: ${String(versions[i])}`).join(', ');
    throw new Error(
      `buildLeaderboard: runs with different results schema versions cannot share a leaderboard (${detail}); this naspoison reads schema ${RESULTS_SCHEMA_VERSION} — re-render older runs with \`naspoison report <run id>\``,
    );
  }
  const checked = runs.map((r, i) => validateResults(r, `leaderboard run ${i}`));
  // A run of sensitivity tables alone has no cells (and no recipe) to rank: it does not enter.
  const valid = checked.filter((r) => r.cells.length > 0);
  if (valid.length === 0) throw new Error(`buildLeaderboard: none of the ${checked.length} runs has cells to rank (runs of sensitivity tables only: ${checked.map((r) => r.run.id).join(', ')})`);
  requireSame(valid, 'protocol versions', (r) => r.protocolVersion);
  requireSame(valid, 'tiers', (r) => r.run.tier);
  requireSame(valid, 'datasets', (r) => r.run.dataset.hash);
  requireSame(valid, 'α', (r) => r.run.alpha);
  requireSame(valid, 'training recipes', (r) => r.randomBaseline?.recipe ?? '');
  const first = valid[0] as RunResults;
  const alpha = first.run.alpha;

  type Pool = { attack: string; budget: number; defence: string; byNas: Map<string, { runIds: string[]; values: number[] }> };
  const pools = new Map<string, Pool>();
  for (const run of valid) {
    for (const cell of run.cells) {
      if (cell.attack === CLEAN_ATTACK) continue;
      const key = `${cell.attack}\u0000${cell.budget}\u0000${cell.defence}`;
      const pool = pools.get(key) ?? { attack: cell.attack, budget: cell.budget, defence: cell.defence, byNas: new Map() };
      pools.set(key, pool);
      const entry = pool.byNas.get(cell.nas) ?? { runIds: [], values: [] };
      pool.byNas.set(cell.nas, entry);
      if (!entry.runIds.includes(run.run.id)) entry.runIds.push(run.run.id);
      entry.values.push(...cell.deltaImprovement.values);
    }
  }

  const tables = [...pools.values()]
    .sort((a, b) => (a.attack < b.attack ? -1 : a.attack > b.attack ? 1 : 0) || a.budget - b.budget || (a.defence === b.defence ? 0 : a.defence === NO_DEFENCE ? -1 : b.defence === NO_DEFENCE ? 1 : a.defence < b.defence ? -1 : 1))
    .map((pool): LeaderboardTable => {
      const methods = [...pool.byNas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const ranked = methods.filter(([, e]) => e.values.length >= 2);
      const pairs: { i: string; j: string; p: number; iBetter: boolean }[] = [];
      for (let x = 0; x < ranked.length; x++) {
        for (let y = x + 1; y < ranked.length; y++) {
          const [ni, ei] = ranked[x] as [string, { values: number[] }];
          const [nj, ej] = ranked[y] as [string, { values: number[] }];
          const mi = summarizeMetric(ei.values).mean as number;
          const mj = summarizeMetric(ej.values).mean as number;
          pairs.push({ i: ni, j: nj, p: twoSidedP(ei.values, ej.values), iBetter: mi > mj });
        }
      }
      const q = benjaminiHochberg(pairs.map((p) => p.p));
      const better = new Map<string, Set<string>>(methods.map(([nas]) => [nas, new Set<string>()]));
      const tied = new Map<string, Set<string>>(methods.map(([nas]) => [nas, new Set<string>()]));
      pairs.forEach((pair, k) => {
        if ((q[k] as number) <= alpha) {
          better.get(pair.iBetter ? pair.i : pair.j)?.add(pair.iBetter ? pair.j : pair.i);
        } else {
          tied.get(pair.i)?.add(pair.j);
          tied.get(pair.j)?.add(pair.i);
        }
      });
      const entries = methods.map(([nas, e]): LeaderboardEntry => {
        const s = summarizeMetric(e.values);
        const n = e.values.length;
        const rankable = n >= 2;
        const half = rankable && s.sd !== null ? tQuantile(1 - alpha / 2, n - 1) * (s.sd / Math.sqrt(n)) : null;
        const beatenBy = [...better.entries()].filter(([, set]) => set.has(nas)).length;
        return {
          nas,
          runIds: [...e.runIds].sort(),
          n,
          mean: s.mean,
          sd: s.sd,
          ciLow: half === null || s.mean === null ? null : s.mean - half,
          ciHigh: half === null || s.mean === null ? null : s.mean + half,
          rank: rankable ? 1 + beatenBy : null,
          notSignificantlyDifferentFrom: [...(tied.get(nas) ?? [])].sort(),
          significantlyBetterThan: [...(better.get(nas) ?? [])].sort(),
        };
      });
      entries.sort(
        (a, b) =>
          (a.rank ?? Infinity) - (b.rank ?? Infinity) || (b.mean ?? -Infinity) - (a.mean ?? -Infinity) || (a.nas < b.nas ? -1 : a.nas > b.nas ? 1 : 0),
      );
      return { attack: pool.attack, budget: pool.budget, defence: pool.defence, pairs: pairs.length, entries };
    });

  return {
    protocolVersion: first.protocolVersion,
    tier: first.run.tier,
    dataset: { name: first.run.dataset.name, hash: first.run.dataset.hash },
    alpha,
    metric: 'deltaImprovement',
    runIds: valid.map((r) => r.run.id),
    tables,
  };
}

/** Pre-formatted rows for the leaderboard templates. */
export interface LeaderboardView {
  readonly protocolVersion: string;
  readonly tier: string;
  readonly dataset: string;
  readonly alpha: string;
  readonly confidence: string;
  readonly runs: string;
  readonly tables: readonly {
    readonly heading: string;
    readonly pairs: number;
    readonly rows: readonly {
      readonly rank: string;
      readonly nas: string;
      readonly mean: string;
      readonly ci: string;
      readonly n: number;
      readonly runs: string;
      readonly tied: string;
      readonly better: string;
      readonly top: boolean;
    }[];
  }[];
}

/** The template view of a leaderboard. */
export function leaderboardView(board: Leaderboard): LeaderboardView {
  return {
    protocolVersion: board.protocolVersion,
    tier: board.tier,
    dataset: board.dataset.name,
    alpha: String(board.alpha),
    confidence: `${Number(((1 - board.alpha) * 100).toPrecision(4))}%`,
    runs: board.runIds.join(', '),
    tables: board.tables.map((t) => ({
      heading: `${t.attack} at ${formatBudget(t.budget)}${t.defence === NO_DEFENCE ? '' : `, defence ${t.defence}`}`,
      pairs: t.pairs,
      rows: t.entries.map((e) => ({
        rank: e.rank === null ? '—' : String(e.rank),
        nas: e.nas,
        mean: formatNumber(e.mean, 2),
        ci: e.ciLow === null || e.ciHigh === null ? '—' : `[${formatNumber(e.ciLow, 2)}, ${formatNumber(e.ciHigh, 2)}]`,
        n: e.n,
        runs: e.runIds.join(', '),
        tied: e.rank === null ? 'not ranked (fewer than 2 trials)' : e.notSignificantlyDifferentFrom.join(', ') || '—',
        better: e.significantlyBetterThan.join(', ') || '—',
        top: e.rank === 1,
      })),
    })),
  };
}
