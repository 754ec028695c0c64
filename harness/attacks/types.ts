/**
 * Attacks and their poison artifacts. A poison replaces samples of the clean training set at
 * chosen indices (the set keeps its size); the artifact records exactly which, and how, under a
 * content hash, so a result row can name the poison it was searched on and a poison can be
 * verified before it is applied ("attack once, evaluate many").
 */
import type { ImageDataset } from '../data/types.js';
import type { Plugin } from '../plugins/registry.js';
import type { ModelCache } from '../train/model-cache.js';

/**
 * Parameters of an attack or defence: a JSON object (stored with every trial and hashed into its
 * key). Typed as `object` so that a plugin's own params interface fits without an index signature.
 */
export type PluginParams = object;

/** A value a poison records about how it was made (e.g. GC's cosine before and after). */
export type PoisonDiagnostic = number | string | boolean | null;

/** The replacement of poisoned samples. */
export interface PoisonArtifact {
  /** Format version of the artifact and its hash. */
  format: 'naspoison.poison.v1';
  attack: string;
  /** Fraction p of the training set replaced, 0 < p < 1. */
  budget: number;
  /** Attack parameters that shaped the poison (e.g. σ for Gaussian noise). */
  params: PluginParams;
  /** Content hash of the clean training set the poison was made for. */
  datasetHash: string;
  /** Indices of the replaced samples, ascending. */
  indices: Int32Array;
  /** New labels for those samples (label attacks); absent when labels are kept. */
  labels?: Int32Array;
  /** New pixel values for those samples, [indices.length × H × W × C] (feature attacks). */
  images?: Float32Array;
  /**
   * What crafting measured (surrogate accuracy, GC's cosine before/after, norms, iterations,
   * crafting time). Not part of the hash, which names the poison itself: the same poison crafted
   * twice (once with a cached surrogate, say) has one hash.
   */
  diagnostics?: Readonly<Record<string, PoisonDiagnostic>>;
  /** sha256 over everything above but the diagnostics. */
  hash: string;
}

export interface CraftContext {
  /** Seed of this poison: the trial's seed, so clean and poisoned arms differ only by the poison. */
  seed: number;
  /** Backend name, for attacks that train a surrogate. */
  backend: string;
  /**
   * The attack's effective parameters: its `settings()` applied to the tier's `attacks[name]`
   * block and the spec's override (absent: the attack's defaults, `params`).
   */
  params?: PluginParams;
  /** The store's trained-model cache: a surrogate trained once serves every poison made from it. */
  models?: ModelCache;
  /** Progress lines (crafting can take minutes). */
  log?: (message: string) => void;
}

/** The ball around each clean image that a feature attack's changed images stay in. */
export interface PerturbationBound {
  norm: 'linf' | 'l2';
  radius: number;
}

/** An attack plugin. */
export interface Attack extends Plugin {
  /** `label`: changes labels only; `feature`: changes images only. */
  readonly kind: 'label' | 'feature' | 'label-and-feature';
  /** Default parameters (a tier without an `attacks[name]` block gets these). */
  readonly params: PluginParams;
  /**
   * Checks the tier's `attacks[name]` block (undefined when absent) and returns the effective
   * parameters, defaults filled in. Throws a SettingsError (harness/plugins/settings.ts) naming each
   * bad field, e.g. σ ≤ 0. Absent: the attack takes no parameters and refuses any block.
   */
  settings?(block: unknown): PluginParams;
  /**
   * The ball each changed image of a feature attack stays in around its clean image, for the
   * provenance verifier (null: no ball, e.g. Gaussian noise, whose images are only kept in range).
   */
  perturbationBound?(params: PluginParams): PerturbationBound | null;
  /**
   * How these parameters depart from the published attack, and any rule the study left open (one
   * line each), for the report's Method section.
   */
  deviations?(params: PluginParams): string[];
  /** Crafts a poison of `budget` against the clean training set. */
  craft(train: ImageDataset, budget: number, context: CraftContext): PoisonArtifact | Promise<PoisonArtifact>;
}
