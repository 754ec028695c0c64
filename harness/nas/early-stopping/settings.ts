/**
 * Random-search-with-early-stopping settings: the tier's `nas["random-early-stopping"]` block. Its
 * schema is this folder's `settings.schema.json`; every field is optional in the tier and
 * {@link earlyStoppingSettings} fills the defaults below (a missing block means all defaults).
 */
import { settingsSchema } from '../../plugins/settings.js';
import { relativeWidth, type SearchCostContext } from '../types.js';

export interface EarlyStoppingTierSettings {
  /** Images of the (possibly poisoned) training set the search uses, drawn at random (null: all). */
  searchSubset?: number | null;
  /** Fraction of those images held out (stratified by their, possibly poisoned, labels) for scoring. */
  validationFraction?: number;
  /** Channels of the candidate network (NB201 skeleton). */
  channels?: number;
  /** Cells per stage of the candidate network. */
  cellsPerStage?: number;
  /** Epochs of brief training per candidate (the early stop). */
  epochs?: number;
  batchSize?: number;
  /** Initial SGD learning rate (cosine to 0, Nesterov momentum 0.9, weight decay 5e-4, clip 5). */
  learningRate?: number;
}

/** The effective settings: every field filled in. */
export type EarlyStoppingSettings = { [K in keyof EarlyStoppingTierSettings]-?: Exclude<EarlyStoppingTierSettings[K], undefined> };

export const EARLY_STOPPING_DEFAULTS: EarlyStoppingSettings = {
  searchSubset: null,
  validationFraction: 0.25,
  channels: 8,
  cellsPerStage: 1,
  epochs: 1,
  batchSize: 64,
  learningRate: 0.05,
};

/** The compiled schema of a `nas["random-early-stopping"]` block. */
export const EARLY_STOPPING_SCHEMA = settingsSchema<EarlyStoppingTierSettings>('random-early-stopping', new URL('./settings.schema.json', import.meta.url));

/**
 * Effective settings from a tier block (a missing block means all defaults): checked against
 * {@link EARLY_STOPPING_SCHEMA}, defaults filled in.
 *
 * @throws SettingsError naming each mistake by its JSON path within the block, e.g.
 *   `random-early-stopping: /epochs must be >= 1`
 */
export function earlyStoppingSettings(block: unknown): EarlyStoppingSettings {
  if (block === undefined || block === null) return { ...EARLY_STOPPING_DEFAULTS };
  return { ...EARLY_STOPPING_DEFAULTS, ...EARLY_STOPPING_SCHEMA.check(block) };
}

/**
 * A search's cost hint (image-epochs of the evaluation network): each panel cell trained briefly on
 * the non-validation part of the search subset, at the candidate network's width.
 */
export function earlyStoppingSearchCost(s: EarlyStoppingSettings, run: SearchCostContext): number {
  const images = Math.min(run.trainSize, s.searchSubset ?? run.trainSize);
  return run.panelSize * s.epochs * images * (1 - s.validationFraction) * relativeWidth(run, s.channels, s.cellsPerStage);
}
