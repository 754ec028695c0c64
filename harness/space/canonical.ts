/**
 * Canonical forms of NAS-Bench-201 cells: one key per class of cells that build the same network,
 * used to cache trained accuracies and to count distinct architectures.
 *
 * ## What counts as "the same cell" ({@link canonicalGenotype})
 * A cell is read as a computation on its input `x`. Two cells get the same key exactly when one can
 * be rewritten into the other with these identities, none of which changes the function computed
 * for any value of the weights (so training is the same up to floating-point order):
 * 1. `none(a) = 0` and `a + 0 = a`: `none` edges vanish (so do edges whose result is unused);
 * 2. `skip_connect(a) = a`: skips are substituted away (a chain `0 →skip→ 1 →conv→ 3` equals `0 →conv→ 3`);
 * 3. sums are commutative and associative multisets, with multiplicity (`a + a ≠ a`);
 * 4. `avg_pool_3x3` has no weights, so two pools of the same value are one value, and it is linear,
 *    so `pool(a + b) = pool(a) + pool(b)` (turn off with `{ avgPoolIsLinear: false }` if a network
 *    builder ever puts a non-linear layer in the pool op);
 * 5. convolutions (`nor_conv_1x1`, `nor_conv_3x3`: ReLU → Conv → BN) each own their weights: a cell
 *    that uses ONE conv twice (`2·conv₁(x)`, via skips) differs from one with two convs
 *    (`conv₁(x) + conv₂(x)`); relabelling the convs (graph isomorphism, e.g. swapping nodes 1 and 2
 *    where the edges allow) does not change the key;
 * 6. a value that does not depend on `x` is treated as 0 (as the NAS-Bench-201 authors do). This is
 *    exact for `none`, `skip`, `pool`; a conv of a zero input outputs its BatchNorm shift β, which is
 *    0 at initialisation, so such a dangling conv is dropped as a (learnable-bias) approximation.
 *    All cells whose output does not depend on the input ({@link isDegenerate}) share one key,
 *    {@link DEGENERATE_KEY}.
 *
 * The key is the lexicographically smallest serialisation over labellings of the conv instances,
 * e.g. `n0=c3(x);out=n0+x` for `|nor_conv_3x3~0|+|…|+|…|` cells computing `conv3(x) + x`.
 *
 * ## Counts over all 15,625 cells (asserted in canonical-count.test.ts)
 * - {@link canonicalGenotype}: **5,044** classes (5,260 with `avgPoolIsLinear: false`), one of them
 *   degenerate (341 cells).
 * - {@link nb201AuthorsKey}, the authors' rule: **6,466**, the number reported by Dong & Yang (ICLR 2020).
 *
 * The authors' rule (`Structure.to_unique_str(consider_zero=True)` in their code base) expands each
 * node into an expression string over the input: `none` → `#`, `skip` → the input's string, other
 * ops → `(input)@op`, a node is its terms' strings sorted and joined with `+`, and a term reading a
 * node whose string is exactly `#` becomes `#`. Compared with rules 1–6 above it:
 * - keeps zero terms in sums (`#+0` ≠ `0`), and only recognises a zero node whose whole string is
 *   `#` (a node `#+#` is not zero): rule 1 alone takes 6,466 → 5,390 classes, and leaves the 341
 *   degenerate cells in 5 keys instead of 1;
 * - sorts a skip's whole sum as ONE string instead of merging multisets (`sort(['b+d','c'])` is
 *   `b+d+c` but `sort(['b','c+d'])` is `b+c+d`): rule 3 alone takes 6,466 → 5,755; with rule 1, 4,930;
 * - has no pool linearity (rule 4): 4,930 → 4,660 with it;
 * - unrolls the DAG into a tree, so it cannot tell a conv used twice from two twin convs (rule 5):
 *   this splits 384 classes, 4,660 → 5,044 (4,930 → 5,260 without pool linearity), e.g.
 *   `|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|skip_connect~1|skip_connect~2|` (2·conv₁(x))
 *   vs `|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|skip_connect~2|`
 *   (conv₁(x) + conv₂(x)), one key for the authors, two here.
 * Net: 6,466 − 5,044 = 1,422 = 1,806 merges the authors' rule misses (6,466 → 4,660) − 384 classes of
 * different networks that it lumps together.
 *
 * @module
 */
import { NB201_EDGES, NB201_NUM_GENOTYPES, NB201_NUM_NODES, type Nb201Op } from './ops.js';
import { genotypeFromIndex, type Nb201Genotype } from './genotype.js';

/** The key that {@link canonicalGenotype} gives every degenerate cell. */
export const DEGENERATE_KEY = 'degenerate';

/** Options of {@link canonicalGenotype}. */
export interface CanonicalOptions {
  /**
   * Treat `avg_pool_3x3` as linear, `pool(a + b) = pool(a) + pool(b)` (true for a plain average
   * pool, with or without counting padding). Default true.
   */
  readonly avgPoolIsLinear?: boolean;
}

/**
 * True when the cell's output does not depend on its input: no path of non-`none` edges leads from
 * node 0 to node 3 (e.g. all-`none`, or `|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|`).
 */
export function isDegenerate(g: Nb201Genotype): boolean {
  const reached: boolean[] = [true, false, false, false];
  NB201_EDGES.forEach((e, i) => {
    if (g[i] !== 'none' && reached[e.from]) reached[e.to] = true;
  });
  return !reached[NB201_NUM_NODES - 1];
}

// ---------------------------------------------------------------------------------------------
// Symbolic evaluation of a cell.

/** One term of a node's sum: the cell input, a conv's output, or a pool of a value. */
type Term =
  | { readonly kind: 'input' }
  | { readonly kind: 'conv'; readonly id: number }
  | { readonly kind: 'pool'; readonly arg: Value };

/** A node value: a multiset of terms, keyed by the term's structural key. */
type Value = Map<string, { readonly term: Term; count: number }>;

/** One conv edge that survives pruning: its own weights, applied to a value. */
interface ConvInstance {
  readonly op: 'nor_conv_1x1' | 'nor_conv_3x3';
  readonly arg: Value;
}

const INPUT: Term = { kind: 'input' };

function termKey(t: Term): string {
  if (t.kind === 'input') return 'x';
  if (t.kind === 'conv') return `#${t.id}`;
  return `p(${valueKey(t.arg)})`;
}

function valueKey(v: Value): string {
  return [...v.values()].map(({ term, count }) => `${count}*${termKey(term)}`).sort().join('+');
}

function addTerm(v: Value, term: Term, count: number): void {
  const key = termKey(term);
  const entry = v.get(key);
  if (entry) entry.count += count;
  else v.set(key, { term, count });
}

function addValue(target: Value, source: Value): void {
  for (const { term, count } of source.values()) addTerm(target, term, count);
}

function pool(v: Value, linear: boolean): Value {
  const out: Value = new Map();
  if (linear) {
    for (const { term, count } of v.values()) addTerm(out, { kind: 'pool', arg: new Map([[termKey(term), { term, count: 1 }]]) }, count);
  } else {
    addTerm(out, { kind: 'pool', arg: v }, 1);
  }
  return out;
}

/** Evaluates the cell symbolically: its conv instances and the output value (empty = zero). */
function evaluate(g: Nb201Genotype, poolLinear: boolean): { convs: ConvInstance[]; output: Value } {
  const values: Value[] = [new Map([['x', { term: INPUT, count: 1 }]])];
  const convs: ConvInstance[] = [];
  for (let to = 1; to < NB201_NUM_NODES; to++) {
    const v: Value = new Map();
    NB201_EDGES.forEach((e, i) => {
      if (e.to !== to) return;
      const op = g[i] as Nb201Op;
      const src = values[e.from] as Value;
      if (op === 'none' || src.size === 0) return; // rules 1 and 6
      if (op === 'skip_connect') addValue(v, src);
      else if (op === 'avg_pool_3x3') addValue(v, pool(src, poolLinear));
      else {
        convs.push({ op, arg: src });
        addTerm(v, { kind: 'conv', id: convs.length - 1 }, 1);
      }
    });
    values.push(v);
  }
  return { convs, output: values[NB201_NUM_NODES - 1] as Value };
}

function collectConvs(v: Value, into: Set<number>, convs: readonly ConvInstance[]): void {
  for (const { term } of v.values()) {
    if (term.kind === 'conv' && !into.has(term.id)) {
      into.add(term.id);
      collectConvs((convs[term.id] as ConvInstance).arg, into, convs);
    } else if (term.kind === 'pool') collectConvs(term.arg, into, convs);
  }
}

const CONV_ABBREV = { nor_conv_1x1: 'c1', nor_conv_3x3: 'c3' } as const;

function render(v: Value, name: (id: number) => string): string {
  const renderTerm = (t: Term): string =>
    t.kind === 'input' ? 'x' : t.kind === 'conv' ? name(t.id) : `p(${render(t.arg, name)})`;
  return [...v.values()]
    .map(({ term, count }) => (count > 1 ? `${count}*` : '') + renderTerm(term))
    .sort()
    .join('+');
}

function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permutations(rest)) yield [items[i] as T, ...p];
  }
}

/** All orderings of `groups` that keep the groups in place and permute inside each. */
function* groupOrderings(groups: readonly (readonly number[])[]): Generator<number[]> {
  const [first, ...rest] = groups;
  if (first === undefined) {
    yield [];
    return;
  }
  for (const p of permutations(first)) for (const tail of groupOrderings(rest)) yield [...p, ...tail];
}

/**
 * The canonical key of a cell: equal for exactly the cells that compute the same function for
 * every choice of weights under the identities listed in this module's documentation (isomorphic
 * cells, cells differing only in dangling or unreachable edges, skip chains, …).
 * Every degenerate cell ({@link isDegenerate}) gets {@link DEGENERATE_KEY}.
 * There are 5,044 keys over the 15,625 cells (the authors' 6,466 is {@link nb201AuthorsKey}).
 */
export function canonicalGenotype(g: Nb201Genotype, options: CanonicalOptions = {}): string {
  const { convs, output } = evaluate(g, options.avgPoolIsLinear ?? true);
  if (output.size === 0) return DEGENERATE_KEY;
  const liveSet = new Set<number>();
  collectConvs(output, liveSet, convs);
  const live = [...liveSet];
  // An isomorphism-invariant signature (the conv's expression tree) fixes the order of convs up
  // to ties; only tied convs need their labellings tried (the minimum over those is canonical).
  const signatures = new Map<number, string>();
  const signature = (id: number): string => {
    let s = signatures.get(id);
    if (s === undefined) {
      const c = convs[id] as ConvInstance;
      s = `${CONV_ABBREV[c.op]}(${render(c.arg, signature)})`;
      signatures.set(id, s);
    }
    return s;
  };
  // Sorting by depth first (the longest chain of convs behind a conv, also invariant) makes every
  // conv's label larger than those of the convs it reads, so keys read top-down.
  const depths = new Map<number, number>();
  const depth = (id: number): number => {
    let d = depths.get(id);
    if (d === undefined) {
      const inner = new Set<number>();
      collectConvs((convs[id] as ConvInstance).arg, inner, convs);
      d = 1 + Math.max(0, ...[...inner].map(depth));
      depths.set(id, d);
    }
    return d;
  };
  const rank = (id: number): string => `${depth(id)}:${signature(id)}`;
  live.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  const groups: number[][] = [];
  for (const id of live) {
    const last = groups[groups.length - 1];
    if (last && rank(last[0] as number) === rank(id)) last.push(id);
    else groups.push([id]);
  }
  let best: string | undefined;
  for (const order of groupOrderings(groups)) {
    const label = new Map(order.map((id, l) => [id, l]));
    const name = (id: number): string => `n${label.get(id)}`;
    const parts = order.map((id, l) => {
      const c = convs[id] as ConvInstance;
      return `n${l}=${CONV_ABBREV[c.op]}(${render(c.arg, name)})`;
    });
    parts.push(`out=${render(output, name)}`);
    const key = parts.join(';');
    if (best === undefined || key < best) best = key;
  }
  return best as string;
}

let representatives: Map<string, number> | undefined;

/**
 * The first genotype (in {@link genotypeToIndex} order) with the same {@link canonicalGenotype} key
 * as `g` (default options): a concrete cell to train on behalf of its whole class.
 * The first call builds a table over all 15,625 cells (a few hundred ms).
 */
export function canonicalRepresentative(g: Nb201Genotype): Nb201Genotype {
  if (!representatives) {
    const table = new Map<string, number>();
    for (let i = 0; i < NB201_NUM_GENOTYPES; i++) {
      const key = canonicalGenotype(genotypeFromIndex(i));
      if (!table.has(key)) table.set(key, i);
    }
    representatives = table;
  }
  const index = representatives.get(canonicalGenotype(g));
  return index === undefined ? g : genotypeFromIndex(index);
}

/**
 * The NAS-Bench-201 authors' "unique string" of a cell (their `to_unique_str(consider_zero=True)`),
 * re-implemented: 6,466 distinct values over the 15,625 cells, the count in Dong & Yang (ICLR 2020).
 * Use it to compare with numbers computed by the authors' tools; prefer {@link canonicalGenotype}
 * for caching, since this rule both misses equivalences and merges some different networks (see
 * the module documentation).
 */
export function nb201AuthorsKey(g: Nb201Genotype): string {
  const nodes: string[] = ['0'];
  for (let to = 1; to < NB201_NUM_NODES; to++) {
    const terms: string[] = [];
    NB201_EDGES.forEach((e, i) => {
      if (e.to !== to) return;
      const op = g[i] as Nb201Op;
      const src = nodes[e.from] as string;
      if (op === 'none' || src === '#') terms.push('#');
      else if (op === 'skip_connect') terms.push(src);
      else terms.push(`(${src})@${op}`);
    });
    nodes.push(terms.sort().join('+'));
  }
  return nodes[NB201_NUM_NODES - 1] as string;
}
