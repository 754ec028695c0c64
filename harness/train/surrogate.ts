/**
 * A surrogate classifier: an NB201 network of one fixed cell (by default NB201's ResNet cell, the
 * space's stand-in for the study's ResNet-18) trained with a recipe on a given training set, cached
 * by content. Attacks train it on the clean set (confidence label flipping scores samples with it;
 * gradient canceling's victim is one), defences on the suspect set (loss-based sanitisation ranks
 * samples by its loss). Per-sample outputs are read asynchronously, once, at the end of a pass.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { Rng, deriveSeed } from '../engine/rng.js';
import { isDegenerate } from '../space/canonical.js';
import { genotypeFromString, type Nb201Genotype } from '../space/genotype.js';
import { NB201_EDGES } from '../space/ops.js';
import { buildNetwork, type Network } from '../space/network.js';
import { canonicalJson } from '../util/canonical-json.js';
import { batchRanges, gatherBatch } from './batches.js';
import { restoreVariables, serialiseVariables, type ModelCache, type SerialisedVariables } from './model-cache.js';
import { nb201Recipe, validateRecipe, type TrainingRecipe } from './recipe.js';
import { trainModel } from './trainer.js';

/**
 * NB201's ResNet cell, the authors' `ResNet_CODE` (a basic block: node 3 = x + conv3×3(conv3×3(x))):
 * node 1 ← conv(0), node 2 ← conv(1), node 3 ← skip(0) + skip(2).
 */
export const RESNET_CELL = '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|';

/**
 * Why a cell cannot serve as a surrogate, or undefined when it can: a degenerate cell (its output
 * does not depend on its input) could learn only the class prior, and a convolution whose output
 * never reaches the cell's output gets no gradient, which training refuses.
 */
export function surrogateCellProblem(genotype: Nb201Genotype): string | undefined {
  if (isDegenerate(genotype)) return 'its output does not depend on its input (no path of operations from node 0 to node 3)';
  // Nodes from which node 3 is reached through operations (edges are listed by target, ascending).
  const reachesOutput = [false, false, false, true];
  for (let e = NB201_EDGES.length - 1; e >= 0; e--) {
    const edge = NB201_EDGES[e]!;
    if (genotype[e] !== 'none' && reachesOutput[edge.to]) reachesOutput[edge.from] = true;
  }
  const dead = NB201_EDGES.findIndex((edge, e) => genotype[e]!.startsWith('nor_conv') && !reachesOutput[edge.to]);
  if (dead >= 0) return `its ${genotype[dead]} on edge ${NB201_EDGES[dead]!.from}→${NB201_EDGES[dead]!.to} never reaches the cell's output, so its weights would get no gradient`;
  return undefined;
}

/**
 * The default surrogate recipe, `<prefix>-<epochs>ep`: the smoke evaluation recipe's optimiser
 * (SGD-Nesterov 0.9, lr 0.05 cosine, batch 64, wd 5e-4, clip 5) for `epochs`.
 */
export function surrogateRecipe(prefix: string, epochs: number): TrainingRecipe {
  return nb201Recipe(epochs, { name: `${prefix}-${epochs}ep`, batchSize: 64, learningRate: 0.05, evalBatchSize: 500 });
}

/** What a surrogate is: its cell, its size and how it is trained (a tier setting of the attack or defence). */
export interface SurrogateSpec {
  /** NB201 genotype string of its cell. */
  genotype: string;
  channels: number;
  cellsPerStage: number;
  recipe: TrainingRecipe;
}

/** A trained surrogate. The caller disposes `network`. */
export interface TrainedSurrogate {
  network: Network;
  /** Cache key (content hash of data, spec, seed, backend). */
  key: string;
  cached: boolean;
  /** Training time (0 when cached). */
  trainMs: number;
}

/** The cache key of a surrogate: everything that determines its weights. */
export function surrogateKey(train: ImageDataset, spec: SurrogateSpec, seed: number, backend: string): string {
  return createHash('sha256')
    .update(canonicalJson({ v: 1, data: datasetContentHash(train), spec, seed, backend }))
    .digest('hex');
}

function build(train: ImageDataset, spec: SurrogateSpec, seed: number, what: string): Network {
  const genotype = genotypeFromString(spec.genotype);
  const problem = surrogateCellProblem(genotype);
  if (problem !== undefined) throw new Error(`${what}: cell ${spec.genotype} cannot be trained as a surrogate: ${problem}`);
  return buildNetwork(
    genotype,
    { channels: spec.channels, cellsPerStage: spec.cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses },
    new Rng(deriveSeed(seed, 'surrogate-weights')),
  );
}

/**
 * The surrogate trained on `train` (from `cache` when it holds it): deterministic for a seed and
 * backend. `what` names it in messages ("the CLF surrogate").
 */
export async function trainSurrogate(
  train: ImageDataset,
  spec: SurrogateSpec,
  options: { seed: number; backend: string; cache?: ModelCache; what: string; log?: (message: string) => void },
): Promise<TrainedSurrogate> {
  validateRecipe(spec.recipe);
  const key = surrogateKey(train, spec, options.seed, options.backend);
  const network = build(train, spec, options.seed, options.what);
  const variables = [...network.params.weights, ...network.params.state];
  try {
    const hit = options.cache?.get(key);
    if (hit !== undefined) {
      let record: SerialisedVariables;
      try {
        record = JSON.parse(hit) as SerialisedVariables;
      } catch (error) {
        throw new Error(`cached model ${options.what} (${key.slice(0, 12)}) is corrupt: not JSON (${(error as Error).message})`, { cause: error });
      }
      restoreVariables(variables, record, tf, `${options.what} (${key.slice(0, 12)})`);
      return { network, key, cached: true, trainMs: 0 };
    }
    options.log?.(`training ${options.what} (${spec.genotype}, C=${spec.channels}, N=${spec.cellsPerStage}, ${spec.recipe.epochs} epochs) on ${train.n} images`);
    const result = await trainModel(network, train, spec.recipe, { seed: deriveSeed(options.seed, 'surrogate-training') });
    options.cache?.put(key, JSON.stringify(await serialiseVariables(variables)), { what: options.what, finalLoss: result.finalLoss });
    return { network, key, cached: false, trainMs: result.trainMs };
  } catch (error) {
    network.dispose();
    throw error;
  }
}

/** Per-sample outputs of a network on a dataset, in eval mode. */
export interface SampleOutputs {
  /** Softmax probabilities, [n × classes] row-major. */
  probabilities: Float32Array;
  /** Cross-entropy of each sample against its label in the dataset. */
  losses: Float32Array;
  classes: number;
}

/**
 * Runs `network` over every sample of `data` in eval mode (batch norm on running statistics, so a
 * sample's output does not depend on its batch) and reads probabilities and losses in one
 * asynchronous read per tensor at the end.
 */
export async function sampleOutputs(network: Network, data: ImageDataset, batchSize: number): Promise<SampleOutputs> {
  // tf.concat([]) throws: no samples, no outputs.
  if (data.n === 0) return { probabilities: new Float32Array(0), losses: new Float32Array(0), classes: data.numClasses };
  const all = new Int32Array(data.n).map((_, i) => i);
  const probabilities: tf.Tensor2D[] = [];
  const losses: tf.Tensor1D[] = [];
  try {
    for (const [start, end] of batchRanges(data.n, batchSize, 1)) {
      const batch = gatherBatch(data, all, start, end);
      try {
        const [p, l] = tf.tidy(() => {
          const logits = network.forward(batch.x, { training: false });
          // Per-sample cross-entropy from logSumExp: −log softmax(z)_y = logSumExp(z) − z_y.
          const loss = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, batch.y), 1)) as tf.Tensor1D;
          return [tf.softmax(logits) as tf.Tensor2D, loss] as const;
        });
        probabilities.push(p);
        losses.push(l);
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
    }
    const joinedP = tf.concat(probabilities);
    const joinedL = tf.concat(losses);
    try {
      const [p, l] = await Promise.all([joinedP.data() as Promise<Float32Array>, joinedL.data() as Promise<Float32Array>]);
      return { probabilities: p, losses: l, classes: data.numClasses };
    } finally {
      tf.dispose([joinedP, joinedL]);
    }
  } finally {
    tf.dispose([...probabilities, ...losses]);
  }
}
