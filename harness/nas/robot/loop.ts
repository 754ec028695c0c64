/**
 * RoBoT's query loop on a pool whose metric values are already normalised (pure: no tensors, the
 * query is a callback):
 * - Bayesian optimisation of the weights w ∈ [−1, 1]^m; each step queries the pool cell of highest
 *   combined score under its weights; a cell already queried returns its stored result (no second
 *   training); the best weights are the latest whose cell reached the best result (the study's `>=`);
 * - then greedy queries down the best weights' ranking until `queries` distinct cells are queried;
 * - the answer is the queried cell of best result (ties: the earliest queried).
 */
import { bayesianOptimise, type BayesianOptimisationOptions, type BayesianOptimisationStep } from './bayesian-optimisation.js';
import { argmax, combinedScores, ranking } from './pool.js';

/** One queried cell. */
export interface RobotQuery {
  /** Index of the cell in the pool. */
  cell: number;
  /** Its objective (validation accuracy, percent). */
  accuracy: number;
  phase: 'bo' | 'greedy';
}

/** What the loop did. */
export interface RobotLoopResult {
  /** Every distinct cell queried, in order. */
  queries: RobotQuery[];
  /** The best query (highest accuracy; ties: the earliest). */
  best: RobotQuery;
  /** The best weights (the greedy phase's ranking). */
  weights: number[];
  /** Every BO step, with the weights tried and the result it got. */
  history: BayesianOptimisationStep[];
}

/** Options: T and the BO settings (the box is [−1, 1] in every metric's weight). */
export type RobotLoopOptions = { queries: number } & Omit<BayesianOptimisationOptions, 'dimensions' | 'lower' | 'upper'>;

/**
 * Runs the loop over `normalised` (rows: pool cells; columns: metrics) with `query` giving a cell's
 * objective; `onQuery` sees each new query.
 */
export async function robotLoop(
  normalised: readonly (readonly number[])[],
  query: (cell: number) => Promise<number>,
  options: RobotLoopOptions,
  onQuery?: (q: RobotQuery, index: number) => void,
): Promise<RobotLoopResult> {
  const queries: RobotQuery[] = [];
  const accuracyOf = new Map<number, number>();
  const ask = async (cell: number, phase: RobotQuery['phase']): Promise<number> => {
    const known = accuracyOf.get(cell);
    if (known !== undefined) return known;
    const accuracy = await query(cell);
    accuracyOf.set(cell, accuracy);
    const q = { cell, accuracy, phase };
    queries.push(q);
    onQuery?.(q, queries.length - 1);
    return accuracy;
  };

  let weights: number[] = [];
  let bestTarget = -Infinity;
  const history = await bayesianOptimise(
    async (w) => {
      const accuracy = await ask(argmax(combinedScores(normalised, w)), 'bo');
      if (accuracy >= bestTarget) {
        bestTarget = accuracy;
        weights = w;
      }
      return accuracy;
    },
    { ...options, dimensions: normalised[0]?.length ?? 0, lower: -1, upper: 1 },
  );

  for (const cell of ranking(combinedScores(normalised, weights))) {
    if (queries.length >= options.queries) break;
    if (!accuracyOf.has(cell)) await ask(cell, 'greedy');
  }

  let best = queries[0]!;
  for (const q of queries) if (q.accuracy > best.accuracy) best = q;
  return { queries, best, weights, history };
}
