/**
 * The two networks TE-NAS scores, each able to hide one op without changing any weight — the
 * authors set that op's α to −INF in a copy of the same network (prune_tenas.py copies the
 * parameters across), so κ and R with and without the op are measured on identical weights:
 *
 * - the NTK supernet: the NB201 skeleton (stem, 3 stages of N mixed cells, C = 3 published) whose
 *   edges mix their remaining ops with softmax(α), α = 0 (uniform) — no α is trained;
 * - the region network: one mixed cell on one channel without stem, then BN → ReLU → global pool →
 *   linear (the authors' `C: 1, N: 1, depth: 1, use_stem: False`), fed one-channel crops.
 *
 * A hidden op keeps computing with weight 0, as in the authors' code: its parameters get zero
 * gradients (no NTK contribution) and the ReLU it applies to its input still reaches the
 * activation hook (the region counter).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormLayer, linearLayer, ParamStore, reluActivation, type ForwardContext } from '../../engine/nn.js';
import type { Rng } from '../../engine/rng.js';
import { applyLayer, buildOperation, sumTerms, type Layer, type ReluCache } from '../../space/operations.js';
import { NB201_EDGES, type Nb201Op } from '../../space/ops.js';
import { buildSupernet } from '../../space/supernet.js';
import type { ProxyNetwork } from '../../proxies/types.js';

/** TE-NAS's −INF (its `INF = 1000`): softmax gives the op a weight of exactly 0 in float32. */
export const HIDDEN_ALPHA = -1000;

/** A network of the current supernet's ops in which one op at a time can be hidden. */
export interface MaskableNetwork extends ProxyNetwork {
  /** Hides `op` on `edge` (weight 0), or shows every op again (`null`). */
  hide(target: { edge: number; op: Nb201Op } | null): void;
  dispose(): void;
}

function checkTarget(edgeOps: ReadonlyArray<readonly Nb201Op[]>, target: { edge: number; op: Nb201Op }): number {
  const ops = edgeOps[target.edge];
  const k = ops?.indexOf(target.op) ?? -1;
  if (!ops || k < 0) throw new Error(`tenas: edge ${target.edge} has no op ${target.op} to hide`);
  if (ops.length < 2) throw new Error(`tenas: edge ${target.edge} has only ${target.op}; hiding it would leave the edge empty`);
  return k;
}

/** The NTK supernet of `edgeOps` (α uniform, affine BN as TE-NAS), weights from `rng`. */
export function ntkSupernet(
  edgeOps: ReadonlyArray<readonly Nb201Op[]>,
  shape: { channels: number; cellsPerStage: number; inputChannels: number; numClasses: number },
  rng: Rng,
): MaskableNetwork {
  const net = buildSupernet({ ...shape, edgeOps, affine: true, initialAlphas: edgeOps.map((ops) => ops.map(() => 0)) }, rng);
  let hidden: number | undefined;
  const setAlpha = (edge: number, values: number[]) => {
    const alpha = net.alphas[edge];
    if (!alpha) return;
    const t = tf.tensor1d(values);
    alpha.assign(t);
    t.dispose();
  };
  return {
    params: net.params,
    forward: (x, ctx) => net.forward(x, ctx),
    hide(target) {
      if (hidden !== undefined) setAlpha(hidden, edgeOps[hidden]!.map(() => 0));
      hidden = undefined;
      if (target === null) return;
      const k = checkTarget(edgeOps, target);
      setAlpha(target.edge, edgeOps[target.edge]!.map((_, i) => (i === k ? HIDDEN_ALPHA : 0)));
      hidden = target.edge;
    },
    dispose: () => net.dispose(),
  };
}

/**
 * The region network of `edgeOps`: one mixed cell on `channels` channels (TE-NAS: 1) without stem,
 * BN → ReLU → global average pool → linear. Its input has `channels` channels.
 */
export function regionNetwork(edgeOps: ReadonlyArray<readonly Nb201Op[]>, shape: { channels: number; numClasses: number }, rng: Rng): MaskableNetwork {
  const params = new ParamStore(rng);
  const { channels } = shape;
  const edges = NB201_EDGES.map((edge, e) => ({ ...edge, ops: edgeOps[e]!.map((op) => ({ op, layer: buildOperation(params, op, channels, true) })) }));
  // Mixing weights as softmax(α) with α = 0, or −INF for the hidden op: uniform over the others.
  let weights: number[][] = edgeOps.map((ops) => ops.map(() => 1 / ops.length));
  const lastBn = batchNormLayer(params, channels);
  const classifier = linearLayer(params, channels, shape.numClasses);
  const readers = [0, 1, 2, 3].map((node) => edges.filter((e) => e.from === node).reduce((n, e) => n + e.ops.filter((o) => o.layer?.afterRelu !== undefined).length, 0));
  const cell = (x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D => {
    const nodes: tf.Tensor4D[] = [x];
    const relus: ReluCache = new Map();
    for (let to = 1; to <= 3; to++) {
      const terms: tf.Tensor4D[] = [];
      edges.forEach((edge, e) => {
        if (edge.to !== to) return;
        edge.ops.forEach(({ layer }, k) => {
          if (!layer) return;
          const out = applyLayer(layer as Layer, nodes[edge.from]!, ctx, relus, readers[edge.from]);
          const w = weights[e]![k]!;
          terms.push(edge.ops.length === 1 ? out : tf.mul(out, w));
        });
      });
      nodes.push(sumTerms(terms, x));
    }
    return nodes[3]!;
  };
  return {
    params,
    forward(x, ctx) {
      if (x.shape[3] !== channels) throw new Error(`tenas: the region network takes ${channels}-channel input, got ${x.shape[3]}`);
      const h = cell(x, ctx);
      return classifier(tf.mean(reluActivation(lastBn(h, ctx), ctx), [1, 2]) as tf.Tensor2D);
    },
    hide(target) {
      weights = edgeOps.map((ops) => ops.map(() => 1 / ops.length));
      if (target === null) return;
      const k = checkTarget(edgeOps, target);
      const ops = edgeOps[target.edge]!;
      weights[target.edge] = ops.map((_, i) => (i === k ? 0 : 1 / (ops.length - 1)));
    },
    dispose: () => params.dispose(),
  };
}
