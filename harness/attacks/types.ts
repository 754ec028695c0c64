/**
 * Attacks and their poison artifacts. A poison replaces samples of the clean training set at
 * chosen indices (the set keeps its size); the artifact records exactly which, and how, under a
 * content hash, so a result row can name the poison it was searched on and a poison can be
 * verified before it is applied ("attack once, evaluate many").
 */
import type { ImageDataset } from '../data/types.js';
import type { Plugin } from '../plugins/registry.js';

/** The replacement of poisoned samples. */
export interface PoisonArtifact {
  /** Format version of the artifact and its hash. */
  format: 'naspoison.poison.v1';
  attack: string;
  /** Fraction p of the training set replaced, 0 < p < 1. */
  budget: number;
  /** Attack parameters that shaped the poison (e.g. σ for Gaussian noise). */
  params: Record<string, number | string | boolean>;
  /** Content hash of the clean training set the poison was made for. */
  datasetHash: string;
  /** Indices of the replaced samples, ascending. */
  indices: Int32Array;
  /** New labels for those samples (label attacks); absent when labels are kept. */
  labels?: Int32Array;
  /** New pixel values for those samples, [indices.length × H × W × C] (feature attacks). */
  images?: Float32Array;
  /** sha256 over everything above. */
  hash: string;
}

export interface CraftContext {
  /** Seed of this poison: the trial's seed, so clean and poisoned arms differ only by the poison. */
  seed: number;
  /** Backend name, for attacks that train a surrogate. */
  backend: string;
}

/** An attack plugin. */
export interface Attack extends Plugin {
  /** `label`: changes labels only; `feature`: changes images only. */
  readonly kind: 'label' | 'feature' | 'label-and-feature';
  /** Effective parameters at a tier (stored with every trial). */
  readonly params: Record<string, number | string | boolean>;
  /** Crafts a poison of `budget` against the clean training set. */
  craft(train: ImageDataset, budget: number, context: CraftContext): PoisonArtifact | Promise<PoisonArtifact>;
}
