/**
 * Gradient canceling (GC; Lu, Kamath & Yu, ICML 2023, code watml/plim), the study's model-targeted
 * feature attack:
 *
 * 1. A victim θ₀ is trained on the clean training set (an NB201 network of the ResNet cell, cached
 *    by content) and moved to the GradPC target θ_t ({@link gradPcAscent}).
 * 2. round(p·n) indices are drawn uniformly by the seed; their images get perturbations δ (labels
 *    kept, ‖δ‖∞ ≤ linfRadius, x + δ in [0, 1]) optimised by Adam to minimise
 *    ‖(1 − p)·ḡ_c + p·g_p(δ)‖², ḡ_c the mean clean gradient at θ_t over the samples not poisoned
 *    and g_p the mean gradient over the poisoned ones (objective.ts: exact second-order gradient,
 *    chunked). A poison that cancels the clean gradient makes θ_t a stationary point of training on
 *    the poisoned set; success shows as cos(ḡ_c, g_p) → −1.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { datasetContentHash, type ImageDataset } from '../../data/types.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { batchRanges, gatherBatch } from '../../train/batches.js';
import { trainSurrogate } from '../../train/surrogate.js';
import { checkBudget, makeArtifact, poisonCount } from '../poison.js';
import type { Attack, CraftContext, PerturbationBound, PluginParams, PoisonArtifact } from '../types.js';
import { gradPcAscent, meanLoss } from './gradpc.js';
import { cancelingGradients, cancelingState, disposeState, dot, summedGradient, type CancelingState, type PoisonChunk } from './objective.js';
import { GC_DEFAULTS, GC_NAME, gcSettings, type GcParams } from './settings.js';

export { gcDeviations, gcSettings, GC_DEFAULTS, GC_PUBLISHED, GC_SCHEMA, RESNET18_PARAMETERS, type GcParams, type GcTierSettings } from './settings.js';
export { gradPcAscent, meanLoss, type GradPcOptions, type GradPcResult } from './gradpc.js';
export { cancelingGradients, cancelingState, chunkInputGradient, summedGradient, summedLoss, type CancelingState, type GcNetwork, type PoisonChunk } from './objective.js';

/** Adam's moment decays and ε for the perturbations (PyTorch's defaults; the protocol gives only lr). */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** A chunk of poisoned points with its perturbation, Adam moments and box bounds. */
interface PerturbedChunk extends PoisonChunk {
  delta: tf.Tensor4D;
  m: tf.Tensor4D;
  v: tf.Tensor4D;
  /** max(−r, −x) and min(r, 1 − x): δ's box, so that ‖δ‖∞ ≤ r and x + δ ∈ [0, 1]. */
  lo: tf.Tensor4D;
  hi: tf.Tensor4D;
}

/** Reads scalars in one go (asynchronously) as float64 numbers. */
async function readScalars(scalars: readonly tf.Scalar[]): Promise<number[]> {
  const joined = tf.stack([...scalars]);
  try {
    return Array.from((await joined.data()) as Float32Array);
  } finally {
    joined.dispose();
  }
}

/** The largest float32 in [lo, hi] nearest `value` (host side): keeps the stored image inside the ball exactly. */
function clampFloat32(value: number, lo: number, hi: number): number {
  let v = Math.fround(Math.min(Math.max(value, lo), hi));
  // Rounding to float32 may step just outside [lo, hi]; step back by one float32 ulp.
  const buffer = new Float32Array(1);
  const bits = new Int32Array(buffer.buffer);
  while (v > hi || v < lo) {
    buffer[0] = v;
    bits[0] = bits[0]! + ((v > hi) === v > 0 ? -1 : 1);
    v = buffer[0]!;
  }
  return v;
}

/** Crafts the gradient-canceling poison (see the module comment). */
async function craft(train: ImageDataset, budget: number, context: CraftContext): Promise<PoisonArtifact> {
  const started = performance.now();
  checkBudget(budget, GC_NAME);
  const params: GcParams = gcSettings(context.params ?? undefined);
  const log = context.log;
  const n = train.n;
  const k = poisonCount(budget, n);
  if (k >= n) throw new Error(`${GC_NAME}: budget ${budget} poisons all ${n} samples of ${train.name}; no clean gradient is left to cancel`);
  const p = k / n;
  const rng = new Rng(context.seed).child(GC_NAME);
  const indices = rng.child('indices').sampleWithoutReplacement(n, k).sort();
  const poisoned = new Uint8Array(n);
  for (const index of indices) poisoned[index] = 1;
  let clean = Int32Array.from({ length: n }, (_, i) => i).filter((i) => poisoned[i] === 0);
  if (params.cleanGradientSamples !== null && params.cleanGradientSamples < clean.length) {
    const pick = rng.child('clean-gradient').sampleWithoutReplacement(clean.length, params.cleanGradientSamples).sort();
    clean = Int32Array.from(pick, (i) => clean[i]!);
  }

  const victim = await trainSurrogate(train, params.victim, {
    seed: deriveSeed(context.seed, 'gc-victim'),
    backend: context.backend,
    ...(context.models !== undefined ? { cache: context.models } : {}),
    what: 'the gradient-canceling victim',
    ...(log !== undefined ? { log } : {}),
  });
  const network = victim.network;
  const weights = network.params.weights;
  const chunks: PerturbedChunk[] = [];
  let cleanTerm: tf.Tensor[] = [];
  try {
    // Stage 1: the GradPC target θ_t.
    const evalBatch = params.victim.recipe.evalBatchSize;
    const victimLoss = await meanLoss(network, train, evalBatch);
    const parameters = network.params.parameterCount();
    const radius = params.epsilonReference === null ? params.epsilon : params.epsilon * Math.sqrt(parameters / params.epsilonReference);
    const ascent = await gradPcAscent(network, train, { epsilon: radius, stepSize: params.ascentStepSize, batchSize: params.ascentBatchSize, seed: rng.child('gradpc').seed });
    const targetLoss = await meanLoss(network, train, evalBatch);
    log?.(`${GC_NAME}: GradPC target ‖Δ‖₂ = ${ascent.targetShift.toPrecision(4)} (radius ${radius.toPrecision(4)} from ε = ${params.epsilon}, ${parameters} parameters); training loss ${victimLoss.toPrecision(4)} → ${targetLoss.toPrecision(4)}`);

    // ḡ_c at θ_t over the clean samples, one chunk at a time; a = (1 − p)·ḡ_c.
    let cleanSum: tf.Tensor[] | undefined;
    for (const [start, end] of batchRanges(clean.length, params.chunkSize, 1)) {
      const batch = gatherBatch(train, clean, start, end);
      const g = summedGradient(network, weights, [{ x: batch.x, oneHot: batch.y }]);
      tf.dispose([batch.x, batch.y]);
      if (cleanSum === undefined) cleanSum = g;
      else {
        const previous: tf.Tensor[] = cleanSum;
        cleanSum = tf.tidy(() => previous.map((t, i) => tf.add(t, g[i]!)));
        tf.dispose([...previous, ...g]);
      }
    }
    const sum = cleanSum!;
    cleanTerm = tf.tidy(() => sum.map((t) => tf.mul(t, (1 - p) / clean.length)));
    const cleanNormTensor = tf.tidy(() => tf.div(tf.sqrt(dot(sum, sum)), clean.length) as tf.Scalar);
    tf.dispose(sum);
    const [cleanGradientNorm] = await readScalars([cleanNormTensor]);
    cleanNormTensor.dispose();

    // Stage 2: the perturbations, chunk by chunk.
    const r = params.linfRadius;
    for (const [start, end] of batchRanges(k, params.chunkSize, 1)) {
      const batch = gatherBatch(train, indices, start, end);
      const [lo, hi] = tf.tidy(() => [tf.maximum(tf.neg(batch.x), -r) as tf.Tensor4D, tf.minimum(tf.sub(1, batch.x), r) as tf.Tensor4D]);
      chunks.push({ x: batch.x, oneHot: batch.y, delta: tf.zerosLike(batch.x), m: tf.zerosLike(batch.x), v: tf.zerosLike(batch.x), lo: lo!, hi: hi! });
    }
    const evaluate = (): CancelingState => cancelingState(network, weights, chunks, chunks.map((c) => c.delta), cleanTerm, p, k);
    const every = Math.max(1, Math.floor(params.iterations / 10));
    let before: number[] = [];
    for (let t = 1; t <= params.iterations; t++) {
      const state = evaluate();
      try {
        if (t === 1) before = await readScalars([state.objective, state.cosine, state.poisonNorm]);
        else if (log !== undefined && (t - 1) % every === 0) {
          const [objective, cosine] = await readScalars([state.objective, state.cosine]);
          log(`${GC_NAME}: iteration ${t - 1}/${params.iterations}: objective ${objective!.toPrecision(4)}, cos(ḡ_c, g_p) ${cosine!.toFixed(4)}`);
        }
        const grads = cancelingGradients(network, weights, chunks, chunks.map((c) => c.delta), cleanTerm, state, p, k);
        const c1 = 1 - ADAM.beta1 ** t;
        const c2 = 1 - ADAM.beta2 ** t;
        chunks.forEach((chunk, c) => {
          const [m, v, delta] = tf.tidy(() => {
            const g = grads[c]!;
            const m = tf.add(tf.mul(chunk.m, ADAM.beta1), tf.mul(g, 1 - ADAM.beta1));
            const v = tf.add(tf.mul(chunk.v, ADAM.beta2), tf.mul(tf.square(g), 1 - ADAM.beta2));
            const step = tf.div(tf.mul(tf.div(m, c1), params.learningRate), tf.add(tf.sqrt(tf.div(v, c2)), ADAM.epsilon));
            // Projection after every step: the box of the L∞ ball intersected with [0, 1] − x.
            const delta = tf.minimum(tf.maximum(tf.sub(chunk.delta, step), chunk.lo), chunk.hi);
            return [m, v, delta] as tf.Tensor4D[];
          });
          tf.dispose([chunk.m, chunk.v, chunk.delta]);
          chunk.m = m!;
          chunk.v = v!;
          chunk.delta = delta!;
        });
        tf.dispose(grads);
      } finally {
        disposeState(state);
      }
    }
    const final = evaluate();
    const after = await readScalars([final.objective, final.cosine, final.poisonNorm]);
    disposeState(final);
    log?.(`${GC_NAME}: objective ${before[0]!.toPrecision(4)} → ${after[0]!.toPrecision(4)}, cos(ḡ_c, g_p) ${before[1]!.toFixed(4)} → ${after[1]!.toFixed(4)}`);

    // The poisoned images, kept inside the ball and [0, 1] in float32 on the host.
    const pixels = train.height * train.width * train.channels;
    const images = new Float32Array(k * pixels);
    let offset = 0;
    let maxLinf = 0;
    for (const chunk of chunks) {
      const moved = tf.add(chunk.x, chunk.delta);
      const values = (await moved.data()) as Float32Array;
      moved.dispose();
      for (let i = 0; i < values.length; i++) {
        const index = indices[Math.floor((offset + i) / pixels)]!;
        const x = train.images[index * pixels + ((offset + i) % pixels)]!;
        const value = clampFloat32(values[i]!, Math.max(0, x - r), Math.min(1, x + r));
        images[offset + i] = value;
        maxLinf = Math.max(maxLinf, Math.abs(value - x));
      }
      offset += values.length;
    }

    return makeArtifact(
      {
        attack: GC_NAME,
        budget,
        params,
        datasetHash: datasetContentHash(train),
        indices,
        images,
        diagnostics: {
          cosineBefore: before[1]!,
          cosineAfter: after[1]!,
          objectiveBefore: before[0]!,
          objectiveAfter: after[0]!,
          cleanGradientNorm: cleanGradientNorm!,
          cleanGradientSamples: clean.length,
          poisonGradientNormBefore: before[2]!,
          poisonGradientNormAfter: after[2]!,
          targetShift: ascent.targetShift,
          targetRadius: radius,
          victimParameters: parameters,
          victimLoss,
          targetLoss,
          iterations: params.iterations,
          maxLinf,
          victimCached: victim.cached,
          craftMs: Math.round(performance.now() - started),
        },
      },
      train,
    );
  } finally {
    tf.dispose(cleanTerm);
    tf.dispose(chunks.flatMap((c) => [c.x, c.oneHot, c.delta, c.m, c.v, c.lo, c.hi]));
    network.dispose();
  }
}

/** The gradient-canceling attack plugin. */
export const gradientCanceling: Attack = {
  name: GC_NAME,
  description: 'gradient canceling (Lu, Kamath & Yu 2023): L∞-bounded image perturbations of round(p·n) uniform samples, labels kept, optimised so their gradient cancels the clean gradient at a GradPC target of a clean-trained victim',
  kind: 'feature',
  params: GC_DEFAULTS,
  settings: (block: unknown): PluginParams => gcSettings(block),
  perturbationBound: (params: PluginParams): PerturbationBound => ({ norm: 'linf', radius: gcSettings(params).linfRadius }),
  craft,
};
