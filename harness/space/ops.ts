/**
 * The NAS-Bench-201 cell vocabulary: its five candidate operations and its six edges.
 *
 * A NAS-Bench-201 cell is a DAG of 4 nodes (0 = cell input, 3 = cell output); node `j` is the sum of
 * `op(node i)` over every `i < j`, one operation per edge, so a cell has 6 edges and 5⁶ = 15,625
 * possible cells (Dong & Yang, ICLR 2020).
 */

/**
 * The candidate operations, in the official order of NAS-Bench-201 (`NAS_BENCH_201` in the authors'
 * code). `nor_conv_*` is ReLU → Conv → BatchNorm; `avg_pool_3x3` is a stride-1 3×3 average pool;
 * `none` outputs zeros; `skip_connect` is the identity.
 */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/** One NAS-Bench-201 candidate operation. */
export type Nb201Op = (typeof NB201_OPS)[number];

/** Number of nodes in a cell (input 0, intermediate 1 and 2, output 3). */
export const NB201_NUM_NODES = 4;

/** A directed edge of the cell: `to` sums `op(from)`. */
export interface Nb201Edge {
  /** The node that receives the edge's output (1..3). */
  readonly to: 1 | 2 | 3;
  /** The node the edge reads (0..to-1). */
  readonly from: 0 | 1 | 2;
}

/**
 * The 6 edges in the official order, which is also the order of a genotype's operations and of the
 * string form `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`: (1←0), (2←0), (2←1), (3←0), (3←1), (3←2).
 */
export const NB201_EDGES: readonly Nb201Edge[] = Object.freeze([
  { to: 1, from: 0 },
  { to: 2, from: 0 },
  { to: 2, from: 1 },
  { to: 3, from: 0 },
  { to: 3, from: 1 },
  { to: 3, from: 2 },
] as const);

/** Number of edges (= operations) in a cell. */
export const NB201_NUM_EDGES = 6;

/** Number of distinct genotypes, 5⁶. */
export const NB201_NUM_GENOTYPES = 15_625;

/** True when `value` is one of {@link NB201_OPS}. */
export function isNb201Op(value: unknown): value is Nb201Op {
  return typeof value === 'string' && (NB201_OPS as readonly string[]).includes(value);
}

/** Index of `op` in {@link NB201_OPS} (0..4). */
export function opIndex(op: Nb201Op): number {
  return NB201_OPS.indexOf(op);
}
