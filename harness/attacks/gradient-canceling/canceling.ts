/**
 * Stage 2 of gradient canceling, for any network and any set of its parameters θ (the victim's
 * weights, or a supernet's architecture parameters α): the mean clean gradient ḡ_c at the target,
 * then Adam on the perturbations δ of the poisoned points, minimising ‖(1 − p)·ḡ_c + p·g_p(δ)‖²
 * with the exact chunked gradient of objective.ts, δ projected after every step onto the box
 * [max(−r, −x), min(r, 1 − x)] (the L∞ ball intersected with the image range). The poisoned
 * images are read back once at the end.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { datasetContentHash, type ImageDataset } from '../../data/types.js';
import { makeArtifact } from '../poison.js';
import type { PoisonArtifact, PoisonDiagnostic } from '../types.js';
import type { CancelingFields } from './settings.js';
import type { Rng } from '../../engine/rng.js';
import { batchRanges, gatherBatch } from '../../train/batches.js';
import { cancelingGradients, cancelingState, disposeState, dot, summedGradient, type CancelingState, type GcNetwork, type PoisonChunk } from './objective.js';

/** Adam's moment decays and ε for the perturbations (PyTorch's defaults; the protocol gives only lr). */
export const PERTURBATION_ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** Options of {@link cancelGradient}. */
export interface CancelingOptions {
  linfRadius: number;
  learningRate: number;
  iterations: number;
  chunkSize: number;
  /** Prefix of progress lines. */
  name: string;
  log?: (message: string) => void;
}

/** The poisoned images and what the optimisation measured. */
export interface CancelingResult {
  /** New pixel values of the poisoned samples, in the order of `indices`. */
  images: Float32Array;
  /** Largest |x' − x| over every poisoned pixel (float64, after rounding to float32). */
  maxLinf: number;
  /** ‖ḡ_c‖₂. */
  cleanGradientNorm: number;
  cosineBefore: number;
  cosineAfter: number;
  objectiveBefore: number;
  objectiveAfter: number;
  poisonGradientNormBefore: number;
  poisonGradientNormAfter: number;
}

/**
 * Stage 2 of either variant on `parameters`, sealed as the attack's poison: the perturbed images,
 * the canceling figures (cosine, objective and norms before and after, max L∞), the number of
 * clean samples ḡ_c was taken over, the variant's own `diagnostics` and the crafting time since
 * `started`.
 */
export async function cancelingPoison(
  network: GcNetwork,
  parameters: readonly tf.Variable[],
  train: ImageDataset,
  budget: number,
  chosen: { indices: Int32Array; clean: Int32Array },
  variant: { attack: string; params: CancelingFields; started: number; diagnostics: Readonly<Record<string, PoisonDiagnostic>>; log?: (message: string) => void },
): Promise<PoisonArtifact> {
  const { params, log } = variant;
  const result = await cancelGradient(network, parameters, train, chosen.indices, chosen.clean, {
    linfRadius: params.linfRadius,
    learningRate: params.learningRate,
    iterations: params.iterations,
    chunkSize: params.chunkSize,
    name: variant.attack,
    ...(log !== undefined ? { log } : {}),
  });
  const { images, ...figures } = result;
  return makeArtifact(
    {
      attack: variant.attack,
      budget,
      params,
      datasetHash: datasetContentHash(train),
      indices: chosen.indices,
      images,
      diagnostics: { ...figures, cleanGradientSamples: chosen.clean.length, ...variant.diagnostics, iterations: params.iterations, craftMs: Math.round(performance.now() - variant.started) },
    },
    train,
  );
}

/** A chunk of poisoned points with its perturbation, Adam moments and box bounds. */
interface PerturbedChunk extends PoisonChunk {
  delta: tf.Tensor4D;
  m: tf.Tensor4D;
  v: tf.Tensor4D;
  /** max(−r, −x) and min(r, 1 − x): δ's box, so that ‖δ‖∞ ≤ r and x + δ ∈ [0, 1]. */
  lo: tf.Tensor4D;
  hi: tf.Tensor4D;
}

/** Reads scalars in one go (asynchronously). */
export async function readScalars(scalars: readonly tf.Scalar[]): Promise<number[]> {
  const joined = tf.stack([...scalars]);
  try {
    return Array.from((await joined.data()) as Float32Array);
  } finally {
    joined.dispose();
  }
}

/** The float32 nearest `value` inside [lo, hi] (host side): the stored image stays inside the ball exactly. */
export function clampFloat32(value: number, lo: number, hi: number): number {
  let v = Math.fround(Math.min(Math.max(value, lo), hi));
  // Rounding to float32 may step just outside [lo, hi] (lo, hi ≥ 0 here): step back one ulp at a time.
  const buffer = new Float32Array(1);
  const bits = new Int32Array(buffer.buffer);
  while (v > hi || v < lo) {
    buffer[0] = v;
    bits[0] = bits[0]! + (v > hi ? -1 : 1);
    v = buffer[0]!;
  }
  return v;
}

/** (1/m)·Σ ∇_θ ℓ over the samples `which` of `data`, one chunk at a time. The caller disposes the result. */
export function meanGradient(network: GcNetwork, parameters: readonly tf.Variable[], data: ImageDataset, which: Int32Array, chunkSize: number): tf.Tensor[] {
  let sum: tf.Tensor[] | undefined;
  for (const [start, end] of batchRanges(which.length, chunkSize, 1)) {
    const batch = gatherBatch(data, which, start, end);
    const g = summedGradient(network, parameters, [{ x: batch.x, oneHot: batch.y }]);
    tf.dispose([batch.x, batch.y]);
    if (sum === undefined) sum = g;
    else {
      const previous: tf.Tensor[] = sum;
      sum = tf.tidy(() => previous.map((t, i) => tf.add(t, g[i]!)));
      tf.dispose([...previous, ...g]);
    }
  }
  if (sum === undefined) throw new Error('gradient-canceling: no samples to take a gradient over');
  const total = sum;
  const mean = tf.tidy(() => total.map((t) => tf.div(t, which.length)));
  tf.dispose(total);
  return mean;
}

/**
 * Optimises the perturbations of the samples `indices` of `train` (ascending, k of them, p = k/n)
 * against the clean gradient over the samples `clean`, at the network's current parameters.
 * Leaves the network as it is.
 */
export async function cancelGradient(
  network: GcNetwork,
  parameters: readonly tf.Variable[],
  train: ImageDataset,
  indices: Int32Array,
  clean: Int32Array,
  options: CancelingOptions,
): Promise<CancelingResult> {
  const k = indices.length;
  const p = k / train.n;
  const { log, name } = options;
  const r = options.linfRadius;
  const chunks: PerturbedChunk[] = [];
  let cleanTerm: tf.Tensor[] = [];
  try {
    // a = (1 − p)·ḡ_c at the target.
    const cleanMean = meanGradient(network, parameters, train, clean, options.chunkSize);
    const cleanNorm = tf.tidy(() => tf.sqrt(dot(cleanMean, cleanMean)));
    cleanTerm = tf.tidy(() => cleanMean.map((t) => tf.mul(t, 1 - p)));
    tf.dispose(cleanMean);
    const [cleanGradientNorm] = await readScalars([cleanNorm]);
    cleanNorm.dispose();

    for (const [start, end] of batchRanges(k, options.chunkSize, 1)) {
      const batch = gatherBatch(train, indices, start, end);
      const [lo, hi] = tf.tidy(() => [tf.maximum(tf.neg(batch.x), -r) as tf.Tensor4D, tf.minimum(tf.sub(1, batch.x), r) as tf.Tensor4D]);
      chunks.push({ x: batch.x, oneHot: batch.y, delta: tf.zerosLike(batch.x), m: tf.zerosLike(batch.x), v: tf.zerosLike(batch.x), lo: lo!, hi: hi! });
    }
    const evaluate = (): CancelingState => cancelingState(network, parameters, chunks, chunks.map((c) => c.delta), cleanTerm, p, k);
    const every = Math.max(1, Math.floor(options.iterations / 10));
    let before: number[] = [];
    for (let t = 1; t <= options.iterations; t++) {
      const state = evaluate();
      try {
        if (t === 1) before = await readScalars([state.objective, state.cosine, state.poisonNorm]);
        else if (log !== undefined && (t - 1) % every === 0) {
          const [objective, cosine] = await readScalars([state.objective, state.cosine]);
          log(`${name}: iteration ${t - 1}/${options.iterations}: objective ${objective!.toPrecision(4)}, cos(ḡ_c, g_p) ${cosine!.toFixed(4)}`);
        }
        const grads = cancelingGradients(network, parameters, chunks, chunks.map((c) => c.delta), cleanTerm, state, p, k);
        const { beta1, beta2, epsilon } = PERTURBATION_ADAM;
        const c1 = 1 - beta1 ** t;
        const c2 = 1 - beta2 ** t;
        chunks.forEach((chunk, c) => {
          const [m, v, delta] = tf.tidy(() => {
            const g = grads[c]!;
            const m = tf.add(tf.mul(chunk.m, beta1), tf.mul(g, 1 - beta1));
            const v = tf.add(tf.mul(chunk.v, beta2), tf.mul(tf.square(g), 1 - beta2));
            const step = tf.div(tf.mul(tf.div(m, c1), options.learningRate), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
            // Projection after every step.
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
    log?.(`${name}: objective ${before[0]!.toPrecision(4)} → ${after[0]!.toPrecision(4)}, cos(ḡ_c, g_p) ${before[1]!.toFixed(4)} → ${after[1]!.toFixed(4)}`);

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
    return {
      images,
      maxLinf,
      cleanGradientNorm: cleanGradientNorm!,
      cosineBefore: before[1]!,
      cosineAfter: after[1]!,
      objectiveBefore: before[0]!,
      objectiveAfter: after[0]!,
      poisonGradientNormBefore: before[2]!,
      poisonGradientNormAfter: after[2]!,
    };
  } finally {
    tf.dispose(cleanTerm);
    tf.dispose(chunks.flatMap((c) => [c.x, c.oneHot, c.delta, c.m, c.v, c.lo, c.hi]));
  }
}

/**
 * The poisoned indices (round(p·n), uniform by `rng`, ascending) and the clean samples ḡ_c is taken
 * over (the others, or `cleanSamples` of them drawn by `rng`, ascending).
 */
export function chooseSamples(n: number, k: number, cleanSamples: number | null, rng: Rng): { indices: Int32Array; clean: Int32Array } {
  const indices = rng.child('indices').sampleWithoutReplacement(n, k).sort();
  const poisoned = new Uint8Array(n);
  for (const index of indices) poisoned[index] = 1;
  let clean = Int32Array.from({ length: n }, (_, i) => i).filter((i) => poisoned[i] === 0);
  if (cleanSamples !== null && cleanSamples < clean.length) {
    const pick = rng.child('clean-gradient').sampleWithoutReplacement(clean.length, cleanSamples).sort();
    clean = Int32Array.from(pick, (i) => clean[i]!);
  }
  return { indices, clean };
}
