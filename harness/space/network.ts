/** The network of one NAS-Bench-201 genotype. */
import type * as tf from '@tensorflow/tfjs';
import { ParamStore, type ForwardContext } from '../engine/nn.js';
import type { Rng } from '../engine/rng.js';
import type { Nb201Genotype } from './genotype.js';
import { buildMacro, type MacroConfig } from './macro.js';
import { applyLayer, buildOperation, sumTerms, type Layer, type ReluCache } from './operations.js';
import { NB201_EDGES } from './ops.js';

/** A built network and the variables it owns. */
export interface Network {
  readonly params: ParamStore;
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
  dispose(): void;
}

/** One cell: node j = Σ_{i<j} op_{j←i}(node i), output = node 3. */
function genotypeCell(store: ParamStore, genotype: Nb201Genotype, channels: number): Layer {
  const edges = NB201_EDGES.map((edge, e) => ({ ...edge, layer: buildOperation(store, genotype[e]!, channels, true) }));
  // ReLU-Conv-BN ops reading each node.
  const readers = [0, 1, 2, 3].map((node) => edges.filter((e) => e.from === node && e.layer?.afterRelu !== undefined).length);
  return (x, ctx) => {
    const nodes: tf.Tensor4D[] = [x];
    // relu(node) once per node for all the ReLU-Conv-BN ops that read it.
    const relus: ReluCache = new Map();
    for (let to = 1; to <= 3; to++) {
      const terms: tf.Tensor4D[] = [];
      for (const edge of edges) {
        if (edge.to === to && edge.layer) terms.push(applyLayer(edge.layer, nodes[edge.from]!, ctx, relus, readers[edge.from]));
      }
      nodes.push(sumTerms(terms, x));
    }
    return nodes[3]!;
  };
}

/** Builds the network of `genotype` with weights drawn from `rng`. */
export function buildNetwork(genotype: Nb201Genotype, config: MacroConfig, rng: Rng): Network {
  const params = new ParamStore(rng);
  const forward = buildMacro(params, config, (channels) => genotypeCell(params, genotype, channels));
  return { params, forward, dispose: () => params.dispose() };
}
