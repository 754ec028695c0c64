/**
 * Defences: a filtering step between crafting a poison and searching. A defence sees the suspect
 * training set (clean or poisoned, it cannot tell) and returns the indices the NAS method may
 * search on; the trial measures how many of the removed samples were poisons.
 */
import type { PluginParams, PoisonArtifact, PoisonDiagnostic } from '../attacks/types.js';
import type { ImageDataset } from '../data/types.js';
import type { Plugin } from '../plugins/registry.js';
import type { ModelCache } from '../train/model-cache.js';

export interface FilterContext {
  /** Seed of this filtering (derived from the trial's seed). */
  seed: number;
  backend: string;
  /** The defence's effective parameters (its `settings()` of the tier block, with the spec's override). */
  params: PluginParams;
  /** The store's trained-model cache (a model trained on one suspect set serves every NAS method). */
  models?: ModelCache;
  log?: (message: string) => void;
  /**
   * The poison that was applied (null on a clean set). Only an oracle reads it: a defence that
   * does is marked `oracle: true` and reported as an upper bound, never as a defence one could deploy.
   */
  poison: PoisonArtifact | null;
}

/** What a defence keeps. */
export interface FilterOutcome {
  /** Indices into the suspect set of the samples kept, strictly ascending. */
  kept: Int32Array;
  /** What filtering measured (e.g. the loss threshold, training time). */
  diagnostics?: Readonly<Record<string, PoisonDiagnostic>>;
}

/** A defence plugin. */
export interface Defence extends Plugin {
  /** Default parameters (a tier without a `defences[name]` block gets these). */
  readonly params: PluginParams;
  /**
   * Checks the tier's `defences[name]` block (undefined when absent) and returns the effective
   * parameters; throws a SettingsError naming each bad field. Absent: no parameters, no block.
   */
  settings?(block: unknown): PluginParams;
  /** True when the defence reads the poison itself: an upper bound on what any filter can do. */
  readonly oracle?: boolean;
  /** What the report's Method section says of the rule these parameters define (one line each). */
  deviations?(params: PluginParams): string[];
  filter(suspect: ImageDataset, context: FilterContext): FilterOutcome | Promise<FilterOutcome>;
}
