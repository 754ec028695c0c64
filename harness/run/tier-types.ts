/**
 * Tiers: one spec file, three sizes. A tier is data (harness/run/tiers/<name>.json, checked
 * against tier.schema.json): dataset size and resolution, the evaluation protocol, the random
 * baseline, trial counts and each NAS method's settings block, which the method's own schema checks
 * (harness/nas/<method>/settings.schema.json). Chosen by `--tier` or NASPOISON_TIER; every report
 * names it.
 */
import type { TrainingRecipe } from '../train/recipe.js';

export interface TierData {
  /** Dataset name understood by harness/data loadDataset. */
  dataset: string;
  /** Square input resolution the images are resized to. */
  resolution: number;
  /** Stratified training subset drawn from the training set (null: all of it). */
  trainSubset: number | null;
  /** Stratified test subset (null: all of it). */
  testSubset: number | null;
  /**
   * Always use the committed Fashion-MNIST subset, even where the full set is installed, so the
   * tier gives the same numbers on every machine (the smoke tier). A --data-dir still wins.
   */
  fixtureOnly?: boolean;
}

export interface Tier {
  name: string;
  description: string;
  data: TierData;
  /** How found and random architectures are retrained on clean data and tested. */
  evaluation: {
    network: { channels: number; cellsPerStage: number };
    recipe: TrainingRecipe;
  };
  randomBaseline: { samples: number };
  /** Trials per cell (each arm). */
  trials: number;
  /**
   * Non-inferiority margins δ per metric, in the metric's unit (pp for accuracy and ΔImp): the
   * "no harm beyond δ" verdict and the trials a decision needs are computed against them.
   */
  margins?: Readonly<Record<string, number>>;
  /**
   * The spec files a run of this tier selects without spec filters or `--all` (spec filters, as on
   * the command line), and why: the smoke tier runs a documented subset to stay within its time
   * target; `naspoison run --all` runs every spec file.
   */
  defaultSpecs?: { filters: readonly string[]; why: string };
  /**
   * Each NAS method's settings block, keyed by its registry name, as the tier file writes it. The
   * method's `settings(block)` checks it and fills its defaults: when the tier loads, for methods
   * registered by then; when a spec file declares a matrix of it, for methods a plugin module
   * registers. A block of a method no spec uses is never read.
   */
  nas: Readonly<Record<string, unknown>>;
  /**
   * Each attack's parameters, keyed by registry name, checked by the attack's `settings()` (σ of
   * Gaussian noise, the CLF surrogate's recipe, GC's ε and iterations). Absent: the defaults.
   */
  attacks?: Readonly<Record<string, unknown>>;
  /** Each defence's parameters, keyed by registry name, checked by the defence's `settings()`. */
  defences?: Readonly<Record<string, unknown>>;
}
