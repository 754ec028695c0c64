/**
 * NAS-Bench-201 genotypes: the six operations of a cell, their official string form, and a dense
 * integer index 0..15,624.
 */
import {
  NB201_EDGES,
  NB201_NUM_EDGES,
  NB201_NUM_GENOTYPES,
  NB201_NUM_NODES,
  NB201_OPS,
  isNb201Op,
  opIndex,
  type Nb201Edge,
  type Nb201Op,
} from './ops.js';

/**
 * A NAS-Bench-201 cell: one operation per edge, in the order of {@link NB201_EDGES}
 * ((1←0), (2←0), (2←1), (3←0), (3←1), (3←2)).
 */
export type Nb201Genotype = readonly [Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op];

/** An edge of a genotype together with its operation. */
export interface Nb201LabelledEdge extends Nb201Edge {
  /** The operation on this edge. */
  readonly op: Nb201Op;
  /** Position of the edge in {@link NB201_EDGES} (0..5). */
  readonly index: number;
}

/** Thrown when a genotype string, array or index is malformed; the message names the input and the problem. */
export class GenotypeError extends Error {
  override readonly name = 'GenotypeError';
}

/**
 * Checks that `ops` holds exactly six valid operations and returns it as a frozen genotype.
 * @throws {GenotypeError} naming the bad entry.
 */
export function makeGenotype(ops: readonly unknown[]): Nb201Genotype {
  if (ops.length !== NB201_NUM_EDGES) {
    throw new GenotypeError(`Invalid NAS-Bench-201 genotype ${JSON.stringify(ops)}: expected ${NB201_NUM_EDGES} operations, got ${ops.length}`);
  }
  ops.forEach((op, i) => {
    if (!isNb201Op(op)) {
      throw new GenotypeError(
        `Invalid NAS-Bench-201 genotype ${JSON.stringify(ops)}: unknown operation ${JSON.stringify(op)} on edge ${i}; expected one of ${NB201_OPS.join(', ')}`,
      );
    }
  });
  return Object.freeze([...ops]) as unknown as Nb201Genotype;
}

/** True when `value` is an array of six valid operations. */
export function isGenotype(value: unknown): value is Nb201Genotype {
  return Array.isArray(value) && value.length === NB201_NUM_EDGES && value.every(isNb201Op);
}

/**
 * The official string form, e.g. `|nor_conv_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|none~1|nor_conv_3x3~2|`:
 * one `|…|` group per node 1..3, each listing `op~input` for inputs 0..node-1.
 */
export function genotypeToString(g: Nb201Genotype): string {
  const groups: string[] = [];
  for (let to = 1; to < NB201_NUM_NODES; to++) {
    const entries = NB201_EDGES.map((e, i) => ({ e, op: g[i] })).filter(({ e }) => e.to === to);
    groups.push(`|${entries.map(({ e, op }) => `${op}~${e.from}`).join('|')}|`);
  }
  return groups.join('+');
}

/**
 * Parses the official string form (see {@link genotypeToString}). Surrounding whitespace is ignored;
 * inside, the format is strict: three `+`-separated node groups, node `j` listing exactly `j`
 * entries `op~0`, `op~1`, … in input order.
 * @throws {GenotypeError} naming the string and the problem (unknown op, wrong node count, wrong
 *   number of inputs, wrong input index, malformed entry).
 */
export function genotypeFromString(text: string): Nb201Genotype {
  const fail = (problem: string): never => {
    throw new GenotypeError(`Invalid NAS-Bench-201 genotype string ${JSON.stringify(text)}: ${problem}`);
  };
  if (typeof text !== 'string') fail(`expected a string, got ${typeof text}`);
  const groups = text.trim().split('+');
  if (groups.length !== NB201_NUM_NODES - 1) {
    fail(`expected ${NB201_NUM_NODES - 1} node groups separated by '+', found ${groups.length}`);
  }
  const ops: Nb201Op[] = [];
  groups.forEach((group, g) => {
    const node = g + 1;
    if (group.length < 2 || !group.startsWith('|') || !group.endsWith('|')) {
      fail(`node ${node} group ${JSON.stringify(group)} must start and end with '|'`);
    }
    const entries = group.slice(1, -1).split('|');
    if (entries.length !== node) {
      fail(`node ${node} must have ${node} input${node === 1 ? '' : 's'}, found ${entries.length} in ${JSON.stringify(group)}`);
    }
    entries.forEach((entry, input) => {
      const parts = entry.split('~');
      if (parts.length !== 2) fail(`node ${node} entry ${JSON.stringify(entry)} is not of the form op~input`);
      const [op, from] = parts as [string, string];
      if (!isNb201Op(op)) fail(`unknown operation ${JSON.stringify(op)} at node ${node}; expected one of ${NB201_OPS.join(', ')}`);
      if (from !== String(input)) {
        fail(`node ${node} entry ${JSON.stringify(entry)} has input index ${JSON.stringify(from)}, expected ~${input} (inputs must be listed 0..${node - 1} in order)`);
      }
      ops.push(op as Nb201Op);
    });
  });
  return makeGenotype(ops);
}

/**
 * The genotype's dense index in 0..15,624: its operations read as a base-5 number, edge 0 ((1←0))
 * the most significant digit, each digit the op's position in {@link NB201_OPS}
 * (none = 0, skip_connect = 1, nor_conv_1x1 = 2, nor_conv_3x3 = 3, avg_pool_3x3 = 4).
 * So all-`none` is 0 and all-`avg_pool_3x3` is 15,624.
 *
 * This is naspoison's own order. It is NOT the architecture index of the official
 * NAS-Bench-201 benchmark file (`api.query_index_by_arch`), whose order is the authors' generation
 * order; never mix the two.
 */
export function genotypeToIndex(g: Nb201Genotype): number {
  let index = 0;
  for (const op of g) index = index * NB201_OPS.length + opIndex(op);
  return index;
}

/**
 * Inverse of {@link genotypeToIndex}.
 * @throws {GenotypeError} when `index` is not an integer in 0..15,624.
 */
export function genotypeFromIndex(index: number): Nb201Genotype {
  if (!Number.isInteger(index) || index < 0 || index >= NB201_NUM_GENOTYPES) {
    throw new GenotypeError(`Invalid NAS-Bench-201 genotype index ${index}: expected an integer in 0..${NB201_NUM_GENOTYPES - 1}`);
  }
  const ops: Nb201Op[] = new Array<Nb201Op>(NB201_NUM_EDGES);
  let rest = index;
  for (let i = NB201_NUM_EDGES - 1; i >= 0; i--) {
    ops[i] = NB201_OPS[rest % NB201_OPS.length] as Nb201Op;
    rest = Math.floor(rest / NB201_OPS.length);
  }
  return Object.freeze(ops) as unknown as Nb201Genotype;
}

/** The genotype's edges with their operations, in {@link NB201_EDGES} order. */
export function genotypeEdges(g: Nb201Genotype): Nb201LabelledEdge[] {
  return NB201_EDGES.map((e, index) => ({ to: e.to, from: e.from, op: g[index] as Nb201Op, index }));
}

/** How many edges of `g` carry `op` (e.g. `countOp(g, 'skip_connect')`, a poisoning diagnostic). */
export function countOp(g: Nb201Genotype, op: Nb201Op): number {
  let n = 0;
  for (const o of g) if (o === op) n++;
  return n;
}

/** The number of edges carrying each operation; the counts sum to 6. */
export function opCounts(g: Nb201Genotype): Record<Nb201Op, number> {
  const counts = Object.fromEntries(NB201_OPS.map((op) => [op, 0])) as Record<Nb201Op, number>;
  for (const op of g) counts[op]++;
  return counts;
}
