/**
 * A single-path NAS-Bench-201 supernet (weight sharing without mixing): every cell holds one set of
 * weights per (edge, op), shared by all the architectures that use them, and a forward pass runs
 * one architecture — the current {@link SinglePathSupernet.path} — through those weights. Training
 * it with a uniformly sampled path per step is the "uniform single-path" scheme (Guo et al. 2020)
 * that NSGANetV2's supernet stands for here; {@link SinglePathSupernet.extract} gives an
 * architecture its own copy of the shared weights (weight inheritance) to fine-tune.
 *
 * Weights are kept in slots: the skeleton (stem, reduction blocks, classifier) in one, and each
 * (cell, edge, op) in its own, each slot drawn from its own child of the rng. A network built with
 * fewer ops per edge (such as an extracted architecture) therefore has the same slots, and
 * inheritance copies slot by slot.
 *
 * Ops that cannot reach a cell's output get no gradient, so the forward pass (and an extracted
 * network) runs the {@link activeGenotype} of the path: the same output, only the ops that matter.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore, type ForwardContext } from '../engine/nn.js';
import type { Rng } from '../engine/rng.js';
import { activeGenotype } from './flops.js';
import { genotypeToString, type Nb201Genotype } from './genotype.js';
import { buildMacro, type MacroConfig } from './macro.js';
import type { Network } from './network.js';
import { applyLayer, buildOperation, sumTerms, type Layer, type ReluCache } from './operations.js';
import { NB201_EDGES, NB201_NUM_EDGES, NB201_OPS, type Nb201Op } from './ops.js';

/** Size of the supernet and, optionally, the ops it holds per edge. */
export interface SinglePathSupernetConfig extends MacroConfig {
  /** Ops held on each of the 6 edges (default: all five everywhere). */
  edgeOps?: ReadonlyArray<readonly Nb201Op[]>;
}

/** The variables of one slot. */
interface Slot {
  readonly weights: tf.Variable[];
  readonly state: tf.Variable[];
}

export interface SinglePathSupernet extends Network {
  /** The ops held on each edge. */
  readonly edgeOps: ReadonlyArray<readonly Nb201Op[]>;
  /**
   * The architecture a forward pass runs (stored as its {@link activeGenotype}). Setting a path
   * that uses an op the supernet does not hold throws.
   */
  path: Nb201Genotype;
  /** The trainable variables a forward pass of `genotype` uses: the skeleton's and its active ops'. */
  pathWeights(genotype: Nb201Genotype): tf.Variable[];
  /**
   * A standalone network of `genotype` (its active ops) whose weights and batch-norm statistics
   * are copies of this supernet's: training it leaves the supernet unchanged.
   */
  extract(genotype: Nb201Genotype): SinglePathSupernet;
}

const MACRO_SLOT = 'macro';

/** Each supernet's slots, for extract() to copy into (not part of the public type). */
const slotsOf = new WeakMap<SinglePathSupernet, Map<string, Slot>>();

function slotKey(cell: number, edge: number, op: Nb201Op): string {
  return `cell${cell}/edge${edge}/${op}`;
}

/** Builds a single-path supernet whose weights come from `rng` (each slot from its own child). */
export function buildSinglePathSupernet(config: SinglePathSupernetConfig, rng: Rng): SinglePathSupernet {
  const edgeOps = (config.edgeOps ?? NB201_EDGES.map(() => [...NB201_OPS])).map((ops) => [...ops]);
  if (edgeOps.length !== NB201_NUM_EDGES) throw new Error(`single-path supernet: edgeOps needs ${NB201_NUM_EDGES} edges, got ${edgeOps.length}`);
  edgeOps.forEach((ops, e) => {
    if (ops.length === 0) throw new Error(`single-path supernet: edge ${e} holds no op`);
    if (new Set(ops).size !== ops.length) throw new Error(`single-path supernet: edge ${e} lists an op twice: ${ops.join(', ')}`);
  });
  const slots = new Map<string, Slot>();
  const params = new ParamStore(rng.child('all'));
  const addSlot = (key: string, store: ParamStore): void => {
    slots.set(key, { weights: [...store.weights], state: [...store.state] });
    params.weights.push(...store.weights);
    params.state.push(...store.state);
  };
  const state = { path: activeGenotype(edgeOps.map((ops) => ops[0]!) as unknown as Nb201Genotype) };

  const cell = (channels: number, cellIndex: number): Layer => {
    const layers = NB201_EDGES.map((_, e) => {
      const byOp = new Map<Nb201Op, Layer | undefined>();
      for (const op of edgeOps[e]!) {
        const store = new ParamStore(rng.child('slot', slotKey(cellIndex, e, op)));
        byOp.set(op, buildOperation(store, op, channels, true));
        addSlot(slotKey(cellIndex, e, op), store);
      }
      return byOp;
    });
    return (x, ctx) => {
      const path = state.path;
      const chosen = NB201_EDGES.map((edge, e) => ({ ...edge, layer: path[e] === 'none' ? undefined : layers[e]!.get(path[e]!) }));
      // ReLU-Conv-BN ops reading each node on this path.
      const readers = [0, 1, 2, 3].map((node) => chosen.filter((c) => c.from === node && c.layer?.afterRelu !== undefined).length);
      const nodes: tf.Tensor4D[] = [x];
      const relus: ReluCache = new Map();
      for (let to = 1; to <= 3; to++) {
        const terms: tf.Tensor4D[] = [];
        for (const c of chosen) {
          if (c.to === to && c.layer) terms.push(applyLayer(c.layer, nodes[c.from]!, ctx, relus, readers[c.from]));
        }
        nodes.push(sumTerms(terms, x));
      }
      return nodes[3]!;
    };
  };

  const macroStore = new ParamStore(rng.child('slot', MACRO_SLOT));
  const body = buildMacro(macroStore, config, cell);
  addSlot(MACRO_SLOT, macroStore);
  const cells = 3 * config.cellsPerStage;

  const holds = (g: Nb201Genotype): void => {
    g.forEach((op, e) => {
      if (op !== 'none' && !edgeOps[e]!.includes(op)) {
        throw new Error(`single-path supernet: ${genotypeToString(g)} uses ${op} on edge ${e}, which this supernet does not hold (${edgeOps[e]!.join(', ')})`);
      }
    });
  };

  const supernet: SinglePathSupernet = {
    params,
    edgeOps,
    get path() {
      return state.path;
    },
    set path(g: Nb201Genotype) {
      const active = activeGenotype(g);
      holds(active);
      state.path = active;
    },
    forward: (x: tf.Tensor4D, ctx: ForwardContext) => body(x, ctx),
    pathWeights(genotype) {
      const active = activeGenotype(genotype);
      holds(active);
      const weights = [...slots.get(MACRO_SLOT)!.weights];
      for (let c = 0; c < cells; c++) {
        active.forEach((op, e) => {
          if (op !== 'none') weights.push(...slots.get(slotKey(c, e, op))!.weights);
        });
      }
      return weights;
    },
    extract(genotype) {
      const active = activeGenotype(genotype);
      holds(active);
      // Only the path's ops (an edge set to none keeps a placeholder op it never runs, without weights).
      const copy = buildSinglePathSupernet({ ...config, edgeOps: active.map((op) => (op === 'none' ? ['skip_connect' as const] : [op])) }, rng.child('extract'));
      copy.path = active;
      const targets = slotsOf.get(copy)!;
      tf.tidy(() => {
        for (const [key, target] of targets) {
          const source = slots.get(key);
          // A placeholder op without weights (skip) needs no source.
          if (!source && target.weights.length + target.state.length === 0) continue;
          if (!source || source.weights.length !== target.weights.length || source.state.length !== target.state.length) {
            throw new Error(`single-path supernet: slot ${key} does not match between the supernet and the extracted network`);
          }
          target.weights.forEach((v, i) => v.assign(source.weights[i]!));
          target.state.forEach((v, i) => v.assign(source.state[i]!));
        }
      });
      return copy;
    },
    dispose() {
      params.dispose();
    },
  };
  slotsOf.set(supernet, slots);
  return supernet;
}
