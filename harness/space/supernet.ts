/**
 * The NAS-Bench-201 supernet: every edge mixes its candidate operations by softmax(α_edge), with
 * α shared by all cells (one cell type in NB201) and trainable. Ops can be dropped per edge (an edge
 * left with one op is fixed and has no α), and dropout can follow skip-connect (P-DARTS).
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore, type ForwardContext } from '../engine/nn.js';
import { deriveSeed, type Rng } from '../engine/rng.js';
import { makeGenotype, type Nb201Genotype } from './genotype.js';
import { buildMacro, type MacroConfig } from './macro.js';
import type { Network } from './network.js';
import { applyLayer, buildOperation, sumTerms, type Layer, type ReluCache } from './operations.js';
import { NB201_EDGES, NB201_NUM_EDGES, NB201_OPS, type Nb201Op } from './ops.js';

export interface SupernetConfig extends MacroConfig {
  /** Ops kept on each of the 6 edges (default: all five everywhere). */
  edgeOps?: ReadonlyArray<readonly Nb201Op[]>;
  /** Learn BN scale/shift inside mixed ops (DARTS: false). */
  affine?: boolean;
  /** Initial α values (per edge, per kept op); default N(0, 1e-3²) from the rng, as DARTS. */
  initialAlphas?: ReadonlyArray<readonly number[]>;
}

export interface Supernet extends Network {
  /** Architecture parameters, one vector per edge that has more than one op (else undefined). */
  readonly alphas: ReadonlyArray<tf.Variable | undefined>;
  /** The ops kept on each edge. */
  readonly edgeOps: ReadonlyArray<readonly Nb201Op[]>;
  /** Trainable α variables (for the architecture optimiser). */
  archParameters(): tf.Variable[];
  /** softmax(α) per edge, as plain numbers (read asynchronously: webgpu cannot read synchronously). */
  edgeWeights(): Promise<number[][]>;
  /** Dropout rate applied after skip-connect in training mode (P-DARTS). */
  skipDropout: number;
  /** The genotype of the strongest op per edge (ties: first in NB201_OPS order). */
  derive(exclude?: readonly Nb201Op[]): Promise<Nb201Genotype>;
}

function validateEdgeOps(edgeOps: ReadonlyArray<readonly Nb201Op[]>): void {
  if (edgeOps.length !== NB201_NUM_EDGES) throw new Error(`supernet: edgeOps needs ${NB201_NUM_EDGES} edges, got ${edgeOps.length}`);
  edgeOps.forEach((ops, e) => {
    if (ops.length === 0) throw new Error(`supernet: edge ${e} has no ops left`);
    if (new Set(ops).size !== ops.length) throw new Error(`supernet: edge ${e} lists an op twice: ${ops.join(', ')}`);
    for (const op of ops) if (!NB201_OPS.includes(op)) throw new Error(`supernet: edge ${e}: unknown op "${op}"`);
  });
}

export function buildSupernet(config: SupernetConfig, rng: Rng): Supernet {
  const edgeOps = (config.edgeOps ?? NB201_EDGES.map(() => [...NB201_OPS])).map((ops) => [...ops]);
  validateEdgeOps(edgeOps);
  const affine = config.affine ?? false;
  const params = new ParamStore(rng.child('weights'));
  const alphaRng = rng.child('alphas');
  const alphas = edgeOps.map((ops, e) => {
    if (ops.length === 1) return undefined;
    const init = config.initialAlphas?.[e] ?? ops.map(() => 1e-3 * alphaRng.normal());
    if (init.length !== ops.length) throw new Error(`supernet: initialAlphas[${e}] has ${init.length} values for ${ops.length} ops`);
    // The variable keeps its own copy of the data; the initial tensor would otherwise leak.
    const initial = tf.tensor1d([...init]);
    const alpha = tf.variable(initial, true, `alpha_${e}_${rng.seed}_${alphaCounter++}`) as tf.Variable;
    initial.dispose();
    return alpha;
  });
  let dropoutCall = 0;
  const state = { skipDropout: 0 };

  // Mixing weights are computed once per forward pass and shared by every cell.
  let currentWeights: Array<tf.Scalar[] | undefined> = [];

  const mixedCell = (channels: number): Layer => {
    const edges = NB201_EDGES.map((edge, e) => ({
      ...edge,
      ops: edgeOps[e]!.map((op) => ({ op, layer: buildOperation(params, op, channels, affine) })),
    }));
    // ReLU-Conv-BN ops reading each node.
    const readers = [0, 1, 2, 3].map((node) =>
      edges.filter((e) => e.from === node).reduce((n, e) => n + e.ops.filter((o) => o.layer?.afterRelu !== undefined).length, 0),
    );
    return (x, ctx) => {
      const nodes: tf.Tensor4D[] = [x];
      // relu(node) once per node for all the ReLU-Conv-BN ops that read it.
      const relus: ReluCache = new Map();
      for (let to = 1; to <= 3; to++) {
        const terms: tf.Tensor4D[] = [];
        edges.forEach((edge, e) => {
          if (edge.to !== to) return;
          const input = nodes[edge.from]!;
          const weights = currentWeights[e];
          edge.ops.forEach(({ op, layer }, k) => {
            if (!layer) return;
            let out = applyLayer(layer, input, ctx, relus, readers[edge.from]);
            if (op === 'skip_connect' && ctx.training && state.skipDropout > 0) {
              out = <tf.Tensor4D>tf.dropout(out, state.skipDropout, undefined, deriveSeed(rng.seed, 'skip-dropout', dropoutCall++));
            }
            terms.push(weights ? tf.mul(out, weights[k]!) : out);
          });
        });
        nodes.push(sumTerms(terms, x));
      }
      return nodes[3]!;
    };
  };

  const body = buildMacro(params, config, (channels) => mixedCell(channels));
  const forward = (x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D => {
    currentWeights = alphas.map((a) => (a ? (tf.unstack(tf.softmax(a)) as tf.Scalar[]) : undefined));
    return body(x, ctx);
  };

  const edgeWeights = async (): Promise<number[][]> =>
    Promise.all(
      alphas.map(async (a, e) => {
        if (!a) return edgeOps[e]!.map(() => 1);
        const p = tf.softmax(a);
        try {
          return Array.from(await p.data());
        } finally {
          p.dispose();
        }
      }),
    );

  return {
    params,
    alphas,
    edgeOps,
    forward,
    get skipDropout() {
      return state.skipDropout;
    },
    set skipDropout(rate: number) {
      if (!(rate >= 0 && rate < 1)) throw new Error(`supernet: skip dropout must be in [0, 1), got ${rate}`);
      state.skipDropout = rate;
    },
    archParameters: () => alphas.filter((a): a is tf.Variable => a !== undefined),
    edgeWeights,
    async derive(exclude: readonly Nb201Op[] = []) {
      const weights = await edgeWeights();
      return makeGenotype(
        edgeOps.map((ops, e) => {
          let best: Nb201Op | undefined;
          let bestWeight = -Infinity;
          ops.forEach((op, k) => {
            const w = weights[e]![k]!;
            if (!exclude.includes(op) && w > bestWeight) {
              best = op;
              bestWeight = w;
            }
          });
          return best ?? ops[0]!;
        }),
      );
    },
    dispose() {
      params.dispose();
      for (const a of alphas) a?.dispose();
    },
  };
}

let alphaCounter = 0;
