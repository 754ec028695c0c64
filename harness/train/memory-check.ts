/**
 * The memory check before an NB201 network or supernet starts training: on wasm (a 4 GiB heap) a
 * step that cannot fit stops with an error naming the memory it needs and the backends that can run
 * it (engine/memory-budget.ts), instead of tfjs-wasm's `Aborted()` mid-run.
 *
 * Measuring costs a probe step at two small batches (0.15–3 s), so it runs only where a generous
 * bound says the step might come near the heap: 1 KiB per activation element of the first stage
 * (batch × H × W × channels) per cell. Measured peaks with tfjs's gradients were ~170 B for the NB201
 * network and ~870 B for the five-op supernet (benchmarks/perf/PROFILE.md); the smoke and standard
 * tiers stay under the bound and never pay for the probe.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/types.js';
import { ensureTrainingStepFits, WASM_HEAP_LIMIT_BYTES, type ProbeModel } from '../engine/memory-budget.js';
import { canonicalGenotype } from '../space/canonical.js';
import type { Nb201Genotype } from '../space/genotype.js';

/** Upper bound on one step's bytes per first-stage activation element and cell (see the module note). */
export const STEP_BYTES_BOUND_PER_ELEMENT = 1024;

/**
 * The probe key of an NB201 network: one per isomorphism class and size, so an evaluation and an
 * early-stopping candidate of the same network share one measurement.
 */
export function networkStepKey(genotype: Nb201Genotype, channels: number, cellsPerStage: number): string {
  return `nb201-network:${canonicalGenotype(genotype)}:C${channels}:N${cellsPerStage}`;
}

/** What determines a step's memory, for {@link checkTrainingStepFits}. */
export interface StepShape {
  /** Architecture and sizes, the probe's cache key (e.g. the canonical genotype and C, N). */
  key: string;
  /** For the error message, e.g. "the clean evaluation of |nor_conv_3x3~0|…". */
  what: string;
  batch: number;
  data: Pick<ImageDataset, 'height' | 'width' | 'channels' | 'numClasses'>;
  channels: number;
  cellsPerStage: number;
  /** What the step differentiates (default the model's weights). */
  variables?: readonly tf.Variable[];
}

/**
 * Throws a StepMemoryError when one training step of `model` cannot fit on the active backend's
 * memory; a no-op off wasm and wherever the bound shows it fits.
 */
export function checkTrainingStepFits(model: ProbeModel, shape: StepShape): void {
  if (tf.getBackend() !== 'wasm') return;
  const bound = STEP_BYTES_BOUND_PER_ELEMENT * shape.batch * shape.data.height * shape.data.width * shape.channels * shape.cellsPerStage;
  if (bound <= WASM_HEAP_LIMIT_BYTES / 2) return;
  ensureTrainingStepFits({
    key: shape.key,
    model,
    ...(shape.variables ? { variables: shape.variables } : {}),
    inputShape: [shape.data.height, shape.data.width, shape.data.channels],
    numClasses: shape.data.numClasses,
    batch: shape.batch,
    what: shape.what,
    gradients: 'lean',
  });
}
