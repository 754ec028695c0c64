/**
 * Random-search-with-early-stopping settings: the tier's `nas["random-early-stopping"]` block
 * (schema: harness/run/tier.schema.json, definition `earlyStopping`). Every field is optional in the
 * tier; {@link earlyStoppingSettings} fills the defaults below.
 */

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

const KNOWN = Object.keys(EARLY_STOPPING_DEFAULTS) as Array<keyof EarlyStoppingSettings>;

/**
 * Validates a tier block and fills the defaults (a missing block means all defaults). Messages name
 * the JSON path within the block, e.g. `random-early-stopping: /epochs must be a positive integer`.
 */
export function earlyStoppingSettings(block: unknown): EarlyStoppingSettings {
  if (block === undefined || block === null) return { ...EARLY_STOPPING_DEFAULTS };
  if (typeof block !== 'object' || Array.isArray(block)) throw new Error('random-early-stopping: the settings block must be an object');
  const given = block as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(KNOWN as string[]).includes(key)) throw new Error(`random-early-stopping: /${key} is not a known setting (known: ${KNOWN.join(', ')})`);
  }
  const s = { ...EARLY_STOPPING_DEFAULTS, ...(given as EarlyStoppingTierSettings) } as EarlyStoppingSettings;
  const positiveInt = (key: keyof EarlyStoppingSettings, min = 1) => {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`random-early-stopping: /${key} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  };
  if (s.searchSubset !== null) positiveInt('searchSubset', 20);
  if (typeof s.validationFraction !== 'number' || !(s.validationFraction > 0 && s.validationFraction < 1)) {
    throw new Error(`random-early-stopping: /validationFraction must be in (0, 1), got ${JSON.stringify(s.validationFraction)}`);
  }
  positiveInt('channels');
  positiveInt('cellsPerStage');
  positiveInt('epochs');
  positiveInt('batchSize', 2);
  if (typeof s.learningRate !== 'number' || !(s.learningRate > 0) || !Number.isFinite(s.learningRate)) {
    throw new Error(`random-early-stopping: /learningRate must be a positive number, got ${JSON.stringify(s.learningRate)}`);
  }
  return s;
}
