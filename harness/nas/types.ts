/**
 * The NAS plugin interface, with a short lifecycle in the manner of NASLib: an algorithm turns its
 * tier settings into effective parameters, then searches a (possibly poisoned) training set and
 * returns a genotype with diagnostics. The harness retrains the genotype on clean data.
 */
import type { ImageDataset } from '../data/types.js';
import type { Plugin } from '../plugins/registry.js';
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

/** A NAS algorithm plugin. */
export interface NasAlgorithm<Settings = unknown> extends Plugin {
  /** Whether it trains on the data (labels can move it) or only scores architectures. */
  readonly family: 'training-based' | 'training-free' | 'hybrid' | 'baseline';
  /** Effective settings from the tier's `nas[name]` block (validated; defaults filled in). */
  settings(tierBlock: unknown): Settings;
  search(context: SearchContext<Settings>): SearchOutcome | Promise<SearchOutcome>;
  /**
   * Each way these settings depart from the method as published (one sentence each, e.g. "2
   * stages instead of 3"); the report's method section lists them. Omit for methods with no
   * published reference.
   */
  deviations?(settings: Settings): string[];
}
