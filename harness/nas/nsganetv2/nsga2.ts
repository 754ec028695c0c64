/**
 * NSGA-II (Deb et al. 2002) on integer genomes, minimising every objective: fast non-dominated
 * sorting, crowding distance, binary tournaments on (rank, crowding), two-point crossover and
 * integer polynomial mutation — the operators NSGANetV2's candidate search uses through pymoo
 * (`int_two_point` with probability 0.9, `int_pm` with η = 1, duplicates eliminated).
 *
 * Every random choice comes from the {@link Rng} passed in.
 *
 * @module
 */
import type { Rng } from '../../engine/rng.js';

/** A genome: one integer per variable, each in [0, upper]. */
export type Genome = readonly number[];

/** Whether objective vector `a` Pareto-dominates `b` (no worse everywhere, better somewhere; minimising). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) return false;
    if (a[k]! < b[k]!) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sorting: the indices of `objectives` by front, best front first (each front
 * in ascending index order).
 */
export function nonDominatedSort(objectives: ReadonlyArray<readonly number[]>): number[][] {
  const n = objectives.length;
  const dominatedBy = objectives.map(() => [] as number[]);
  const count = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(objectives[i]!, objectives[j]!)) {
        dominatedBy[i]!.push(j);
        count[j]!++;
      } else if (dominates(objectives[j]!, objectives[i]!)) {
        dominatedBy[j]!.push(i);
        count[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = objectives.map((_, i) => i).filter((i) => count[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatedBy[i]!) if (--count[j]! === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Crowding distance of each member of `front` (indices into `objectives`), in the front's order:
 * the boundary points of every objective get Infinity, the others the sum over objectives of the
 * normalised gap between their two neighbours. A front of one or two points is all boundary.
 */
export function crowdingDistance(objectives: ReadonlyArray<readonly number[]>, front: readonly number[]): number[] {
  const distance = new Array<number>(front.length).fill(0);
  if (front.length <= 2) return distance.fill(Infinity);
  const m = objectives[front[0]!]!.length;
  for (let k = 0; k < m; k++) {
    const order = front.map((_, i) => i).sort((a, b) => objectives[front[a]!]![k]! - objectives[front[b]!]![k]! || a - b);
    const lo = objectives[front[order[0]!]!]![k]!;
    const hi = objectives[front[order[order.length - 1]!]!]![k]!;
    distance[order[0]!] = Infinity;
    distance[order[order.length - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < order.length - 1; r++) {
      const gap = objectives[front[order[r + 1]!]!]![k]! - objectives[front[order[r - 1]!]!]![k]!;
      distance[order[r]!]! += gap / (hi - lo);
    }
  }
  return distance;
}

/** Rank (front number, 0 = best) and crowding distance of every individual. */
export interface RankedPopulation {
  rank: number[];
  crowding: number[];
}

/** Ranks and crowding distances of a whole population. */
export function rankPopulation(objectives: ReadonlyArray<readonly number[]>): RankedPopulation {
  const rank = new Array<number>(objectives.length).fill(0);
  const crowding = new Array<number>(objectives.length).fill(0);
  nonDominatedSort(objectives).forEach((front, r) => {
    const d = crowdingDistance(objectives, front);
    front.forEach((i, k) => {
      rank[i] = r;
      crowding[i] = d[k]!;
    });
  });
  return { rank, crowding };
}

/**
 * NSGA-II survival: the `n` best individuals by front, the last front admitted filled by
 * decreasing crowding distance (ties: lower index). Returns their indices.
 */
export function survive(objectives: ReadonlyArray<readonly number[]>, n: number): number[] {
  const chosen: number[] = [];
  for (const front of nonDominatedSort(objectives)) {
    if (chosen.length + front.length <= n) {
      chosen.push(...front);
      continue;
    }
    const d = crowdingDistance(objectives, front);
    const order = front.map((_, i) => i).sort((a, b) => d[b]! - d[a]! || front[a]! - front[b]!);
    for (const i of order.slice(0, n - chosen.length)) chosen.push(front[i]!);
    break;
  }
  return chosen;
}

/** Binary tournament: two random individuals, the lower rank wins, then the larger crowding distance, then a coin. */
export function binaryTournament(ranked: RankedPopulation, rng: Rng): number {
  const n = ranked.rank.length;
  const a = rng.int(n);
  const b = rng.int(n);
  if (ranked.rank[a]! !== ranked.rank[b]!) return ranked.rank[a]! < ranked.rank[b]! ? a : b;
  if (ranked.crowding[a]! !== ranked.crowding[b]!) return ranked.crowding[a]! > ranked.crowding[b]! ? a : b;
  return rng.uniform() < 0.5 ? a : b;
}

/** Two-point crossover: two distinct cut points in 1..n−1; the segment between them is swapped. */
export function twoPointCrossover(a: Genome, b: Genome, rng: Rng): [number[], number[]] {
  const n = a.length;
  if (n < 3) return [[...b], [...a]];
  const cuts = rng.sampleWithoutReplacement(n - 1, 2);
  const lo = Math.min(cuts[0]!, cuts[1]!) + 1;
  const hi = Math.max(cuts[0]!, cuts[1]!) + 1;
  const c = [...a];
  const d = [...b];
  for (let i = lo; i < hi; i++) {
    c[i] = b[i]!;
    d[i] = a[i]!;
  }
  return [c, d];
}

/**
 * Polynomial mutation (Deb & Agrawal) of an integer genome, as pymoo's `int_pm`: each variable
 * mutates with probability `probability` (default 1/n) by the polynomial perturbation with
 * distribution index `eta` on [0, upper], then is rounded back to an integer.
 */
export function polynomialMutation(x: Genome, upper: number, eta: number, rng: Rng, probability = 1 / x.length): number[] {
  return x.map((value) => {
    if (rng.uniform() >= probability || upper === 0) return value;
    const d1 = value / upper;
    const d2 = (upper - value) / upper;
    const power = 1 / (eta + 1);
    const r = rng.uniform();
    let dq: number;
    if (r <= 0.5) {
      const v = 2 * r + (1 - 2 * r) * (1 - d1) ** (eta + 1);
      dq = v ** power - 1;
    } else {
      const v = 2 * (1 - r) + 2 * (r - 0.5) * (1 - d2) ** (eta + 1);
      dq = 1 - v ** power;
    }
    return Math.min(upper, Math.max(0, Math.round(value + dq * upper)));
  });
}

/** What {@link nsga2} optimises and how. */
export interface Nsga2Options {
  /** Starting individuals (may be fewer than the population size; duplicates are dropped). */
  initial: readonly Genome[];
  /** Objective vectors of genomes (all minimised). */
  evaluate: (genomes: readonly Genome[]) => number[][];
  /** Every variable lies in [0, upper]. */
  upper: number;
  populationSize: number;
  generations: number;
  crossoverProbability: number;
  mutationEta: number;
  rng: Rng;
}

/** The final population and its objectives. */
export interface Nsga2Result {
  population: number[][];
  objectives: number[][];
}

const key = (g: Genome): string => g.join(',');

/**
 * NSGA-II: each generation makes `populationSize` new offspring (tournament, crossover, mutation;
 * copies of existing individuals or of each other are redrawn, at most 100 tries per generation)
 * and keeps the best `populationSize` of parents and offspring.
 */
export function nsga2(options: Nsga2Options): Nsga2Result {
  const { evaluate, upper, populationSize, generations, crossoverProbability, mutationEta, rng } = options;
  const seen = new Set<string>();
  let population: number[][] = [];
  for (const g of options.initial) {
    if (!seen.has(key(g))) {
      seen.add(key(g));
      population.push([...g]);
    }
  }
  if (population.length === 0) throw new Error('nsga2: no initial individuals');
  let objectives = evaluate(population);
  for (let gen = 0; gen < generations; gen++) {
    const ranked = rankPopulation(objectives);
    const inPopulation = new Set(population.map(key));
    const offspring: number[][] = [];
    const offspringKeys = new Set<string>();
    for (let tries = 0; offspring.length < populationSize && tries < 100 * populationSize; tries++) {
      const a = population[binaryTournament(ranked, rng)]!;
      const b = population[binaryTournament(ranked, rng)]!;
      const children = rng.uniform() < crossoverProbability ? twoPointCrossover(a, b, rng) : [[...a], [...b]];
      for (const child of children) {
        const mutated = polynomialMutation(child, upper, mutationEta, rng);
        const k = key(mutated);
        if (inPopulation.has(k) || offspringKeys.has(k) || offspring.length >= populationSize) continue;
        offspringKeys.add(k);
        offspring.push(mutated);
      }
    }
    if (offspring.length === 0) break;
    const merged = [...population, ...offspring];
    const mergedObjectives = [...objectives, ...evaluate(offspring)];
    const kept = survive(mergedObjectives, populationSize);
    population = kept.map((i) => merged[i]!);
    objectives = kept.map((i) => mergedObjectives[i]!);
  }
  return { population, objectives };
}
