/**
 * The NAS plugin interface, with a short lifecycle in the manner of NASLib: an algorithm turns its
 * tier settings into effective parameters, then searches a (possibly poisoned) training set and
 * returns a genotype with diagnostics. The harness retrains the genotype on clean data.
 */
import type { ImageDataset } from '../data/types.js';
import type { Plugin } from '../plugins/registry.js';
import type { SettingsError } from '../plugins/settings.js';
import type { Nb201Genotype } from '../space/genotype.js';

/** Numbers an algorithm reports about one search (search time, skip-connect count, proxies…). */
export type Diagnostics = Record<string, number | string | boolean | null>;

export interface SearchContext<Settings> {
  /** The training set the search may use, poisoned in poisoned arms; validation splits come from it. */
  train: ImageDataset;
  settings: Settings;
  /** Seed of every random choice of this search (shared by the clean and poisoned arms of a trial). */
  seed: number;
  /** Progress messages (shown on the terminal by the runner). */
  log?: (message: string) => void;
  /**
   * Cells whose clean accuracy the harness knows: the tier's random-baseline sample, in its order.
   * A method that scores candidate cells may score these too (see {@link SearchOutcome.panelScores});
   * the harness then measures how well its selection signal ranks them by clean accuracy.
   */
  panel?: readonly Nb201Genotype[];
}

export interface SearchOutcome {
  genotype: Nb201Genotype;
  diagnostics: Diagnostics;
  /**
   * The method's own selection signal on the cells of {@link SearchContext.panel}, in panel order
   * (higher = preferred). When given, the harness adds the diagnostic `panelRankCorrelation`:
   * Kendall's τ-b between these scores and the cells' clean accuracies.
   */
  panelScores?: readonly number[];
}

/**
 * What a {@link NasAlgorithm.searchCost} hint is told about the run: sizes in the units of the
 * tier's evaluation network, so that every method's hint is comparable to one retraining.
 */
export interface SearchCostContext {
  /** Images of the (tier-sized) training set. */
  readonly trainSize: number;
  /** The tier's evaluation network and recipe epochs: one retraining costs `epochs × trainSize` image-epochs. */
  readonly evaluation: { readonly channels: number; readonly cellsPerStage: number; readonly epochs: number };
  /** Cells of {@link SearchContext.panel} (the tier's random-baseline sample). */
  readonly panelSize: number;
}

/**
 * A network's cost relative to the tier's evaluation network: (channels / C)² × (cells per stage /
 * N) — what a search cost hint multiplies its image-epochs by.
 */
export function relativeWidth(run: SearchCostContext, channels: number, cellsPerStage: number): number {
  return (channels / run.evaluation.channels) ** 2 * (cellsPerStage / run.evaluation.cellsPerStage);
}

/**
 * A NAS algorithm plugin. Its settings are its own: a JSON Schema and defaults in its folder
 * (`settings.schema.json`, checked with harness/plugins/settings.ts), applied by {@link settings};
 * the tier only holds the block under `nas[name]`.
 */
export interface NasAlgorithm<Settings = unknown> extends Plugin {
  /** Whether it trains on the data (labels can move it) or only scores architectures. */
  readonly family: 'training-based' | 'training-free' | 'hybrid' | 'baseline';
  /**
   * Effective settings from the tier's `nas[name]` block (`undefined` when the tier has none):
   * checked against the method's own schema, defaults filled in. Called when a tier loads (for
   * methods registered by then) and when a spec file declares a matrix of the method.
   *
   * @throws Error naming the mistake by its JSON path within the block — best a
   *   {@link SettingsError} (harness/plugins/settings.ts), whose every issue the tier loader names
   *   by its path within the tier
   */
  settings(tierBlock: unknown): Settings;
  search(context: SearchContext<Settings>): SearchOutcome | Promise<SearchOutcome>;
  /**
   * Each way these settings depart from the method as published (one sentence each, e.g. "2
   * stages instead of 3"); the report's method section lists them. Omit for methods with no
   * published reference.
   */
  deviations?(settings: Settings): string[];
  /**
   * Expected cost of one search, in image-epochs of the tier's evaluation network (one retraining
   * is `evaluation.epochs × trainSize`; see {@link relativeWidth}). Used only to balance the shards
   * of a sharded run: a relative estimate, not a time. Omitted: a search is costed as one more
   * retraining (nothing, for the `baseline` family).
   */
  searchCost?(settings: Settings, run: SearchCostContext): number;
}
